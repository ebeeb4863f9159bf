-- wrk script for bench/state_scale.py: every request reads one random key of k0 .. k<N-1> with
-- GET /v1/kv/bench/k<i>; N is the script's first argument.
local keys = 100000
local thread_id = 0
local ids = 0

function setup(thread)
  ids = ids + 1
  thread:set("thread_id", ids)
end

function init(args)
  keys = tonumber(args[1] or "100000")
  math.randomseed(os.time() * 1000 + thread_id)
end

function request()
  return wrk.format("GET", "/v1/kv/bench/k" .. math.random(0, keys - 1))
end
