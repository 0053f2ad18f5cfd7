-- wrk script: GET /api/search with the queries of a query log, in turn, one per request
-- (facets on, as the web UI asks for them). Prints one summary line at the end.
--   wrk -t2 -c64 -d10s -s bench/wrk/search.lua http://127.0.0.1:7700 -- bench/queries/reuters.txt

local paths = {}
local next_path = 1

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local file = args[1] or "bench/queries/reuters.txt"
  for line in io.lines(file) do
    if line ~= "" then
      paths[#paths + 1] = "/api/search?limit=10&facets=true&q=" .. encode(line)
    end
  end
  -- Each thread starts at a different place in the log.
  next_path = math.random(#paths)
end

function request()
  local p = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d errors_status=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
end
