-- wrk script for bench/compare.py. The mode comes from the environment (BENCH_MODE):
--   static      POST the body in BENCH_BODY_FILE on every request
--   flow        POST /flows/ with a unique name per request
--   deployment  POST /deployments/ with a unique name per request (flow id in BENCH_FLOW_ID, pool BENCH_POOL)
--   run         POST the path with body {} and append each created id to BENCH_IDS_DIR/ids-<thread>
--   set_state   take ids from BENCH_IDS_DIR/ids-<thread> and move each PENDING -> RUNNING -> COMPLETED
-- Run it with as many threads as connections, so each connection (one thread) is strictly sequential.
-- With BENCH_PORTS="p1,p2,..." (replicas on 127.0.0.1), thread i connects to port number (i mod n) + 1 instead
-- of the URL's port, so one wrk spreads its connections over the replicas and measures them as one.
-- done() prints one line "BENCHJSON {...}" with the counts and latency percentiles (microseconds).

local threads = {}
local counter = 0

local ports = {}
for p in string.gmatch(os.getenv("BENCH_PORTS") or "", "%d+") do table.insert(ports, p) end

function setup(thread)
  thread:set("tid", counter)
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(counter % #ports) + 1])[1]
  end
  counter = counter + 1
  table.insert(threads, thread)
end

local mode = os.getenv("BENCH_MODE") or "static"
local n, ids, pos, step, run_id = 0, {}, 1, 1, nil
accepted, other, created, exhausted = 0, 0, 0, 0
local idsfile

local function read_all(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if mode == "static" then
    wrk.body = read_all(os.getenv("BENCH_BODY_FILE"))
  elseif mode == "run" then
    wrk.body = "{}"
    idsfile = assert(io.open(os.getenv("BENCH_IDS_DIR") .. "/ids-" .. tid, "a"))
  elseif mode == "set_state" then
    local f = io.open(os.getenv("BENCH_IDS_DIR") .. "/ids-" .. tid, "r")
    if f then
      for line in f:lines() do if #line > 0 then table.insert(ids, line) end end
      f:close()
    end
  end
end

local states = { '{"type":"PENDING","name":"Pending"}', '{"type":"RUNNING","name":"Running"}',
                 '{"type":"COMPLETED","name":"Completed"}' }

function request()
  n = n + 1
  if mode == "flow" then
    return wrk.format(nil, nil, nil, string.format('{"name":"bench-flow-%d-%d-%d"}', os.time(), tid, n))
  elseif mode == "deployment" then
    return wrk.format(nil, nil, nil, string.format(
      '{"name":"bench-dep-%d-%d-%d","flow_id":"%s","work_pool_name":"%s"}',
      os.time(), tid, n, os.getenv("BENCH_FLOW_ID"), os.getenv("BENCH_POOL")))
  elseif mode == "set_state" then
    local id = ids[pos]
    if id == nil then
      id = ids[#ids] or "00000000-0000-0000-0000-000000000000"
      exhausted = 1
    end
    return wrk.format(nil, "/api/flow_runs/" .. id .. "/set_state", nil,
      '{"state":' .. states[step] .. ',"force":false}')
  end
  return wrk.format(nil, nil, nil, nil)
end

function response(status, headers, body)
  if mode == "run" then
    local id = body and string.match(body, '^%{%s*"id"%s*:%s*"([%x%-]+)"')
    if status == 201 and id then
      idsfile:write(id, "\n")
      idsfile:flush()
      created = created + 1
    end
  elseif mode == "set_state" then
    local s = body and string.match(body, '"status"%s*:%s*"(%u+)"')
    if s == "ACCEPT" then accepted = accepted + 1 else other = other + 1 end
    step = step + 1
    if step > 3 then step = 1; pos = pos + 1 end
    if exhausted == 1 or ids[pos] == nil then wrk.thread:stop() end
  end
end

function done(summary, latency, requests)
  local acc, oth, cre = 0, 0, 0
  for _, t in ipairs(threads) do
    acc = acc + (t:get("accepted") or 0)
    oth = oth + (t:get("other") or 0)
    cre = cre + (t:get("created") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"accepted":%d,"not_accepted":%d,"created":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, acc, oth, cre))
end
