-- POST a new diary entry at every request (no Idempotency-Key: each request writes an entry) to
-- the path in $WRK_DIARY_PATH, with `occurred_at` = $WRK_OCCURRED_AT. The text, of a typical
-- length, carries a counter so that no two entries are the same.
local path = os.getenv("WRK_DIARY_PATH")
local occurred_at = os.getenv("WRK_OCCURRED_AT")
wrk.headers["Content-Type"] = "application/json"

local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

local counter = 0
function request()
  counter = counter + 1
  local body = string.format(
    '{"kind":"interview","occurred_at":"%s","restricted":false,' ..
    '"text":"Colloquio di verifica n. %d-%d: la persona riferisce di aver ripreso i contatti ' ..
    'con il centro per l\'impiego e di aver consegnato la documentazione ISEE richiesta."}',
    occurred_at, thread_id or 0, counter)
  return wrk.format("POST", path, nil, body)
end
