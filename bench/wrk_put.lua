-- wrk script for bench/single_ops.py: every request is one PUT of a ~200-byte JSON value under a key
-- no other request uses (thread id, connection-independent counter), sent as POST /v1/tx.
local counter = 0
local thread_id = 0
local ids = 0

function setup(thread)
  ids = ids + 1
  thread:set("thread_id", ids)
end

function init(args)
  prefix = (args[1] or "w") .. "-" .. tostring(thread_id) .. "-"
end

function request()
  counter = counter + 1
  local body = '{"op":"put","ns":"bench","key":"' .. prefix .. counter ..
      '","value":{"account":"ACC-' .. counter .. '","amount":' .. (counter * 7 % 100000) ..
      ',"currency":"EUR","memo":"' .. string.rep("x", 120) .. '"}}'
  return wrk.format("POST", "/v1/tx", {["Content-Type"] = "application/json"}, body)
end
