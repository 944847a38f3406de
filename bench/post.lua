-- wrk script: POST the GraphQL bodies listed in $BODIES (colon-separated files), or
-- those of the file $LINES (one per line), in turn; at the end write latency percentiles
-- and counts as JSON to $OUT.
local bodies = {}
for path in string.gmatch(os.getenv("BODIES") or "", "[^:]+") do
  local f = assert(io.open(path, "rb"))
  table.insert(bodies, f:read("*a"))
  f:close()
end
if os.getenv("LINES") then
  local f = assert(io.open(os.getenv("LINES"), "rb"))
  for line in f:lines() do
    if #line > 0 then table.insert(bodies, line) end
  end
  f:close()
end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  local out = assert(io.open(os.getenv("OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "mean": %f}',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
  out:close()
end
