-- Adds up ARGV, stores the total in KEYS[1] and returns a summary of every reply shape:
-- cargo run --example eval -- examples/scripts/sum.lua eval:total , 1 2 3
local total = 0
for _, v in ipairs(ARGV) do
    total = total + tonumber(v)
end
redis.call('SET', KEYS[1], total)
return {
    total,
    redis.call('GET', KEYS[1]),
    {'keys', unpack(KEYS)},
    redis.call('GET', 'eval:missing'),
    {map = {total = total}},
    redis.status_reply('OK'),
}
