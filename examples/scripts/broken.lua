-- Fails on line 4: `eval` exits with code 4 and names the line.
local total = 0
for _, v in ipairs(ARGV) do total = total + tonumber(v) end
return total + undefined_variable.field
