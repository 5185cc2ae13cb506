//! Certificates for trying TLS locally, made with the `openssl` command: a test CA, another CA,
//! a server certificate for `localhost` and `127.0.0.1`, an expired one (2020), and a client
//! certificate, all EC P-256 with PKCS#8 keys. Shared by `examples/tls.rs`, the TLS tests and
//! the benchmark's TLS section (each includes this file by path).

use std::path::Path;
use std::process::{Command, Stdio};

/// `openssl` with `args` in `dir`; the error says which step failed and what it printed.
pub fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

const CA_CONFIG: &str = "[ca]\ndefault_ca=test\n[test]\ndatabase=db/index.txt\n\
    serial=db/serial\nnew_certs_dir=db\ndefault_md=sha256\npolicy=any\ncopy_extensions=copy\n\
    unique_subject=no\n[any]\ncommonName=supplied\n";

const SAN: &str = "subjectAltName=DNS:localhost,IP:127.0.0.1";

/// Makes every certificate into `dir` (`ca.crt`/`.key`, `other-ca.*`, `server.*`, `client.*`,
/// `expired.crt`): about 0.1 s.
pub fn make_certs(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("db")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("db/index.txt"), "").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("db/serial"), "01\n").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("ca.cnf"), CA_CONFIG).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("san.ext"), format!("{SAN}\n")).map_err(|e| e.to_string())?;
    let key = |name: &str| {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                name,
            ],
        )
    };
    let ca = |name: &str, cn: &str| {
        key(&format!("{name}.key"))?;
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                cn,
                "-days",
                "3650",
                "-out",
                &format!("{name}.crt"),
            ],
        )
    };
    // Signed by the test CA; `ext` adds the host names.
    let signed = |name: &str, key_name: &str, cn: &str, ext: Option<&str>| {
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                key_name,
                "-subj",
                cn,
                "-out",
                &format!("{name}.csr"),
            ],
        )?;
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-out",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.push(format!("{name}.crt"));
        if let Some(ext) = ext {
            args.extend(["-extfile".to_string(), ext.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(dir, &args)
    };
    ca("ca", "/CN=redline-test-ca")?;
    ca("other-ca", "/CN=another-ca")?;
    key("server.key")?;
    signed("server", "server.key", "/CN=localhost", Some("san.ext"))?;
    key("client.key")?;
    signed("client", "client.key", "/CN=redline-client", None)?;
    // The same server key, valid for one day in 2020: `x509 -days` cannot backdate.
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "server.key",
            "-subj",
            "/CN=localhost",
            "-addext",
            SAN,
            "-out",
            "expired.csr",
        ],
    )?;
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "ca.crt",
            "-keyfile",
            "ca.key",
            "-in",
            "expired.csr",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200102000000Z",
            "-out",
            "expired.crt",
        ],
    )
}
