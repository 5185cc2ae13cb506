//! Wrappers keep every override behind `&`, `Box`, `Arc` and `Rc`.

use super::*;

// ---------------------------------------------------------------------------------------------
// Forwarding through &T, Box, Arc, Rc
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Calls {
    req: usize,
    req_reply: usize,
    invoke_script: usize,
    run_pipeline: usize,
}

/// Overrides every method, counting each, and forwards it to a client.
struct Counting {
    inner: Client,
    calls: Mutex<Calls>,
}

impl Counting {
    fn new(inner: Client) -> Counting {
        Counting {
            inner,
            calls: Mutex::new(Calls::default()),
        }
    }

    /// The calls since the last call.
    fn take(&self) -> Calls {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn count(&self, which: impl FnOnce(&mut Calls) -> &mut usize) {
        *which(&mut self.calls.lock().unwrap()) += 1;
    }
}

impl ConnectionLike for Counting {
    fn req(&self, cmd: &Cmd) -> redline::Result<Value> {
        self.count(|c| &mut c.req);
        self.inner.req(cmd)
    }

    fn req_reply(
        &self,
        cmd: &Cmd,
        read: &mut dyn FnMut(Reply<'_>) -> redline::Result<()>,
    ) -> redline::Result<()> {
        self.count(|c| &mut c.req_reply);
        self.inner.req_reply(cmd, read)
    }

    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> redline::Result<()>,
    ) -> redline::Result<()> {
        self.count(|c| &mut c.invoke_script);
        self.inner.invoke_script(call, read)
    }

    fn run_pipeline(&self, batch: &mut Batch) -> redline::Result<()> {
        self.count(|c| &mut c.run_pipeline);
        self.inner.run_pipeline(batch)
    }
}

const ONE_REQ: Calls = Calls {
    req: 1,
    req_reply: 0,
    invoke_script: 0,
    run_pipeline: 0,
};
const ONE_REQ_REPLY: Calls = Calls {
    req: 0,
    req_reply: 1,
    invoke_script: 0,
    run_pipeline: 0,
};
const ONE_INVOKE: Calls = Calls {
    req: 0,
    req_reply: 0,
    invoke_script: 1,
    run_pipeline: 0,
};
const ONE_PIPELINE: Calls = Calls {
    req: 0,
    req_reply: 0,
    invoke_script: 0,
    run_pipeline: 1,
};

/// Each kind of call through `target` reaches the matching method of `counting`.
fn through<C: ConnectionLike>(target: &C, counting: &Counting, what: &str) {
    let add = ScriptCode::new(INCRBY);
    counting.take();

    target.set("fwd", 7).unwrap();
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: set");
    assert_eq!(target.get::<i64>("fwd").unwrap(), 7);
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: get");

    let mut got = None;
    target
        .req_reply(cmd("GET").arg("fwd"), &mut |reply| {
            got = Some(reply.convert::<i64>()?);
            Ok(())
        })
        .unwrap();
    assert_eq!(got, Some(7));
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: req_reply");

    assert_eq!(
        target.req(&cmd("PING")).unwrap(),
        Value::SimpleString("PONG".into())
    );
    assert_eq!(counting.take(), ONE_REQ, "{what}: req");

    assert_eq!(add.call_on::<i64, _>(target, "fwd", 2).unwrap(), 9);
    assert_eq!(counting.take(), ONE_INVOKE, "{what}: call_on");
    assert!(add.call_ro_on::<Value, _>(target, "fwd", 2).is_err());
    assert_eq!(counting.take(), ONE_INVOKE, "{what}: call_ro_on");

    let (v, sum): (i64, i64) = Pipeline::new(target)
        .get("fwd")
        .script(&add, "fwd", 1)
        .execute()
        .unwrap();
    assert_eq!((v, sum), (9, 10), "{what}");
    assert_eq!(counting.take(), ONE_PIPELINE, "{what}: pipeline");
    let (n,): (i64,) = Pipeline::new(target)
        .atomic()
        .incr_by("fwd", 1)
        .execute()
        .unwrap();
    assert_eq!(n, 11, "{what}");
    assert_eq!(counting.take(), ONE_PIPELINE, "{what}: atomic pipeline");
}

#[test]
fn references_and_pointers_forward_every_method() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let counting = Counting::new(server.client_with(protocol));
        through(&counting, &counting, &format!("direct {protocol:?}"));
        through(&&counting, &counting, &format!("&T {protocol:?}"));

        let boxed = Box::new(Counting::new(server.client_with(protocol)));
        through(&boxed, &boxed, &format!("Box {protocol:?}"));

        let arc = Arc::new(Counting::new(server.client_with(protocol)));
        through(&arc, &arc, &format!("Arc {protocol:?}"));
        // A Script bound to the Arc calls its invoke_script.
        let script = ScriptCode::new("return 5").bind(&arc);
        assert_eq!(script.call::<i64>((), ()).unwrap(), 5);
        assert_eq!(arc.take(), ONE_INVOKE);

        let rc = Rc::new(Counting::new(server.client_with(protocol)));
        through(&rc, &rc, &format!("Rc {protocol:?}"));

        // Trait objects, behind a reference and a box (the box over the Arc: two hops).
        let dyn_ref: &dyn ConnectionLike = &*arc;
        through(&dyn_ref, &arc, &format!("&dyn {protocol:?}"));
        let dyn_box: Box<dyn ConnectionLike + Sync> = Box::new(Arc::clone(&arc));
        through(&dyn_box, &arc, &format!("Box<dyn> over Arc {protocol:?}"));

        // The counts would show a missing forward: a wrapper with only `req` in between
        // turns every kind of call into `req`s.
        let plain = ReqOnly::new(&*arc);
        assert_eq!(plain.get::<i64>("fwd").unwrap(), 11);
        assert_eq!(arc.take(), ONE_REQ);
        let (n,): (i64,) = Pipeline::new(&plain).get("fwd").execute().unwrap();
        assert_eq!(n, 11);
        assert_eq!(arc.take(), ONE_REQ);
    }
}
