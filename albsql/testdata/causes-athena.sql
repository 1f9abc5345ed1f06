-- lbdoctor sql causes: the causes of ALB errors by minute and target, by the rules of lbdoctor logs.
-- Generated from lbdoctor's rule tables; do not edit by hand.
WITH
fields AS (
  SELECT "elb" AS elb, "target" AS target,
    coalesce(try_cast("elb_status_code" AS INTEGER), -1) AS status,
    coalesce(try_cast("target_status_code" AS INTEGER), -1) AS target_status,
    "elb_status_code" AS status_text, "target_status_code" AS target_status_text,
    "type" AS type_text, "time" AS time_text, "client" AS client_text, "received_bytes" AS received_text, "sent_bytes" AS sent_text,
    "request_processing_time" AS request_time_text, "target_processing_time" AS target_time_text,
    "response_processing_time" AS response_time_text, "request_creation_time" AS created_text,
    "error_reason" AS error_reason, "actions_executed" AS actions, "classification" AS classification,
    CASE WHEN "request_processing_time" LIKE '-%' THEN -1 ELSE try_cast(split_part("request_processing_time", '.', 1) AS BIGINT) * 1000000 + CAST(rpad(coalesce(regexp_extract("request_processing_time", '\.([0-9]+)$', 1), ''), 6, '0') AS BIGINT) END AS request_time,
    CASE WHEN "target_processing_time" LIKE '-%' THEN -1 ELSE try_cast(split_part("target_processing_time", '.', 1) AS BIGINT) * 1000000 + CAST(rpad(coalesce(regexp_extract("target_processing_time", '\.([0-9]+)$', 1), ''), 6, '0') AS BIGINT) END AS target_time,
    CASE WHEN "response_processing_time" LIKE '-%' THEN -1 ELSE try_cast(split_part("response_processing_time", '.', 1) AS BIGINT) * 1000000 + CAST(rpad(coalesce(regexp_extract("response_processing_time", '\.([0-9]+)$', 1), ''), 6, '0') AS BIGINT) END AS response_time,
    CASE WHEN "time" LIKE '____-__-__T__:__:__%Z'
      AND substr("time", 1, 4) >= '1970' AND substr("time", 12, 2) < '24' AND substr("time", 15, 2) < '60' AND substr("time", 18, 2) < '61' THEN
      ((date_diff('day', DATE '1970-01-01', try_cast(substr("time", 1, 10) AS DATE)) * 24 + try_cast(substr("time", 12, 2) AS BIGINT)) * 60 + try_cast(substr("time", 15, 2) AS BIGINT)) * 60000000
      + try_cast(substr("time", 18, 2) AS BIGINT) * 1000000 + CAST(rpad(coalesce(regexp_extract("time", '\.([0-9]+)Z$', 1), ''), 6, '0') AS BIGINT) END AS time_us,
    CASE WHEN "request_creation_time" LIKE '____-__-__T__:__:__%Z'
      AND substr("request_creation_time", 1, 4) >= '1970' AND substr("request_creation_time", 12, 2) < '24' AND substr("request_creation_time", 15, 2) < '60' AND substr("request_creation_time", 18, 2) < '61' THEN
      ((date_diff('day', DATE '1970-01-01', try_cast(substr("request_creation_time", 1, 10) AS DATE)) * 24 + try_cast(substr("request_creation_time", 12, 2) AS BIGINT)) * 60 + try_cast(substr("request_creation_time", 15, 2) AS BIGINT)) * 60000000
      + try_cast(substr("request_creation_time", 18, 2) AS BIGINT) * 1000000 + CAST(rpad(coalesce(regexp_extract("request_creation_time", '\.([0-9]+)Z$', 1), ''), 6, '0') AS BIGINT) END AS created_us
  FROM alb_logs
  WHERE day >= '2024/05/01' AND day <= '2024/05/02'
),
-- An entry: a line that the Go parser reads (it reports the others): its
-- time parses, its statuses are "-" (kept as -1) or three digits from 100,
-- and the other fields read are well-formed.
entries AS (
  SELECT fields.*, (time_us) / 60000000 AS minute,
    CASE WHEN created_us IS NULL OR created_us = 0 OR time_us = 0 THEN NULL ELSE time_us - created_us END AS elapsed
  FROM fields
  WHERE time_us IS NOT NULL
    AND (status_text = '-' OR length(status_text) = 3 AND status >= 100)
    AND (target_status_text = '-' OR length(target_status_text) = 3 AND target_status >= 100)
    AND regexp_like(concat(coalesce(type_text, ''), ' ', coalesce(time_text, ''), ' ', coalesce(client_text, ''), ' ', coalesce(target, '-'), ' ', coalesce(request_time_text, ''), ' ', coalesce(target_time_text, ''), ' ', coalesce(response_time_text, ''), ' ', coalesce(received_text, ''), ' ', coalesce(sent_text, ''), ' ', coalesce(created_text, '-')), '^[A-Za-z_-][A-Za-z0-9_-]{0,15} [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z [^ ]+:[0-9]+ (-|[^ ]+:[0-9]+) (-[0-9][^ ]*|[0-9]+(\.[0-9]*)?) (-[0-9][^ ]*|[0-9]+(\.[0-9]*)?) (-[0-9][^ ]*|[0-9]+(\.[0-9]*)?) (-|[0-9]{1,18}) (-|[0-9]{1,18}) (-|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z)$')
    AND (created_text IS NULL OR created_text IN ('', '-') OR created_us IS NOT NULL) AND time_us >= 1714557600000000 AND time_us <= 1714564800000000 AND split_part(elb, '/', 2) = 'shop-prod'
),
-- classify.EntryRules: the first rule whose tests hold decides.
rules (rule, kind, cause) AS (
  VALUES (1, 'success', ''),
    (2, 'cause', 'target-error'),
    (3, 'success', ''),
    (4, 'cause', 'lambda-error'),
    (5, 'cause', 'auth-error'),
    (6, 'cause', 'waf-error'),
    (7, 'cause', 'weighted-tg-error'),
    (8, 'cause', 'unclassified'),
    (9, 'cause', 'waf-error'),
    (10, 'cause', 'waf-blocked'),
    (11, 'cause', 'fixed-response'),
    (12, 'cause', 'desync-rejected'),
    (13, 'cause', 'client-closed'),
    (14, 'cause', 'client-timeout'),
    (15, 'cause', 'xff-too-long'),
    (16, 'cause', 'protocol-mismatch'),
    (17, 'cause', 'bad-request'),
    (18, 'cause', 'auth-error'),
    (19, 'cause', 'lb-internal-error'),
    (20, 'cause', 'no-targets'),
    (21, 'cause', 'target-unreachable'),
    (22, 'cause', 'unclassified'),
    (23, 'cause', 'unclassified'),
    (24, 'cause', 'target-bad-response'),
    (25, 'cause', 'target-closed-during-request'),
    (26, 'cause', 'target-closed-during-request'),
    (27, 'pending', ''),
    (28, 'pending', ''),
    (29, 'cause', 'target-response-timeout'),
    (30, 'cause', 'target-connect-timeout'),
    (31, 'cause', 'lb-timeout-unexplained'),
    (32, 'timeout', ''),
    (33, 'cause', 'unclassified')
),
ruled AS (
  SELECT elb, target, minute, elapsed, target_status,
    CASE
      WHEN status < 400 THEN 1
      WHEN target_status >= 500 AND (error_reason IS NULL OR error_reason IN ('', '-')) THEN 2
      WHEN NOT (target_status = -1) AND (error_reason IS NULL OR error_reason IN ('', '-')) THEN 3
      WHEN (substr(error_reason, 1, 6) = 'Lambda') THEN 4
      WHEN (substr(error_reason, 1, 4) = 'Auth') THEN 5
      WHEN (substr(error_reason, 1, 3) = 'WAF') THEN 6
      WHEN error_reason IN ('AWSALBTGCookieInvalid', 'WeightedTargetGroupsUnhandledException') THEN 7
      WHEN (error_reason IS NOT NULL AND error_reason NOT IN ('', '-')) THEN 8
      WHEN strpos(',' || actions || ',', ',waf-failed,') > 0 THEN 9
      WHEN status IN (403) AND substr(',' || actions, -4) = ',waf' THEN 10
      WHEN strpos(',' || actions || ',', ',fixed-response,') > 0 THEN 11
      WHEN status IN (400) AND classification IN ('Ambiguous', 'Severe') THEN 12
      WHEN status IN (460) THEN 13
      WHEN status IN (408) THEN 14
      WHEN status IN (463) THEN 15
      WHEN status IN (464) THEN 16
      WHEN status IN (400, 405, 414, 501, 505) THEN 17
      WHEN status IN (561) THEN 18
      WHEN status IN (500) THEN 19
      WHEN status IN (503) AND (target IS NULL OR target IN ('', '-')) THEN 20
      WHEN status IN (503) THEN 21
      WHEN status IN (502) AND (target IS NULL OR target IN ('', '-')) THEN 22
      WHEN status IN (504) AND (target IS NULL OR target IN ('', '-')) THEN 23
      WHEN status IN (502) AND response_time >= 0 THEN 24
      WHEN status IN (502) AND elapsed >= 1000000 THEN 25
      WHEN status IN (502) AND target_time >= 1000000 THEN 26
      WHEN status IN (502) AND elapsed IS NULL AND target_time = -1 AND request_time = -1 THEN 27
      WHEN status IN (502) THEN 28
      WHEN status IN (504) AND elapsed IS NULL THEN 29
      WHEN status IN (504) AND elapsed >= 9500000 AND elapsed < 11000000 AND target_time = -1 THEN 30
      WHEN status IN (504) AND elapsed < 1000000 THEN 31
      WHEN status IN (504) THEN 32
      ELSE 33
    END AS rule
  FROM entries
),
decided AS (
  SELECT ruled.*, rules.kind, rules.cause FROM ruled JOIN rules ON rules.rule = ruled.rule
),
-- What each target did in each minute, per load balancer: requests it
-- answered itself (any target status) and fast 502s still to decide.
minutes AS (
  SELECT elb, target, minute,
    sum(CASE WHEN target_status <> -1 THEN 1 ELSE 0 END) AS served,
    sum(CASE WHEN kind = 'pending' THEN 1 ELSE 0 END) AS failed
  FROM decided GROUP BY elb, target, minute
),
-- Each load balancer's idle timeout: the largest group of 504s after >= 1 s
-- whose whole seconds agree within 1 s or 2 %, if it has at least 3 of them,
-- more than half of all, and is at most 4000 s.
slow AS (
  SELECT elb, (elapsed + 500000) / 1000000 AS secs, count(*) AS n
  FROM decided WHERE kind = 'timeout' GROUP BY elb, (elapsed + 500000) / 1000000
),
agree AS (
  SELECT a.elb, a.secs, sum(o.n) AS n
  FROM slow a JOIN slow o ON o.elb = a.elb AND abs(o.secs - a.secs) <= greatest(1, (a.secs * 2 + 50) / 100)
  GROUP BY a.elb, a.secs
),
best AS (
  SELECT elb, secs, n, row_number() OVER (PARTITION BY elb ORDER BY n DESC, secs) AS pick FROM agree
),
total AS (SELECT elb, sum(n) AS n FROM slow GROUP BY elb),
idle AS (
  SELECT l.elb, CASE WHEN b.n >= 3 AND b.n * 2 > t.n AND b.secs <= 4000 THEN b.secs END AS secs
  FROM (SELECT DISTINCT elb FROM entries) l
  LEFT JOIN best b ON b.elb = l.elb AND b.pick = 1
  LEFT JOIN total t ON t.elb = l.elb
),
-- The context of a fast 502 reaches the idle timeout (60 s when unknown) on
-- each side, in whole minutes from 1 to 67. island numbers a target's minutes
-- so that minutes with no success between them share one: a run of failures.
numbered AS (
  SELECT m.*, least(greatest(1, (coalesce(i.secs, 60) + 59) / 60), 67) AS span,
    sum(CASE WHEN m.served > 0 THEN 1 ELSE 0 END)
      OVER (PARTITION BY m.elb, m.target ORDER BY m.minute ROWS UNBOUNDED PRECEDING) AS island
  FROM minutes m JOIN idle i ON i.elb = m.elb
),
windows AS (
  SELECT p.elb, p.target, p.minute, p.span AS minutes, p.served AS served_minute, p.failed AS failed_minute,
    sum(n.served) AS served,
    sum(n.failed) AS failed_window,
    sum(CASE WHEN n.minute < p.minute THEN n.served ELSE 0 END) AS served_before,
    sum(CASE WHEN n.minute > p.minute THEN n.served ELSE 0 END) AS served_after,
    max(CASE WHEN abs(n.minute - p.minute) = 1 AND n.failed >= 3 AND n.failed > n.served THEN 1 ELSE 0 END) AS neighbor_burst,
    CASE WHEN p.served = 0
      THEN sum(CASE WHEN n.island = p.island AND n.served = 0 THEN n.failed ELSE 0 END) ELSE 0 END AS run
  FROM numbered p
  JOIN numbered n ON n.elb = p.elb AND n.target = p.target
    AND n.minute BETWEEN p.minute - p.span AND p.minute + p.span
  WHERE p.failed > 0
  GROUP BY p.elb, p.target, p.minute, p.span, p.served, p.failed, p.island
),
-- classify.ContextRules: a keep-alive race or an unreachable target.
resolved AS (
  SELECT minute, target, failed_minute AS n,
    CASE
      WHEN served = 0 AND minutes > 1 THEN 'target-unreachable'
      WHEN served = 0 THEN 'target-unreachable'
      WHEN failed_minute >= 3 AND failed_minute > served_minute THEN 'target-unreachable'
      WHEN neighbor_burst > 0 THEN 'target-unreachable'
      WHEN run >= 3 AND served_minute = 0 THEN 'target-unreachable'
      WHEN minutes > 1 AND (failed_window - failed_minute) >= 3 AND (failed_window - failed_minute) > (served - served_minute) THEN 'target-unreachable'
      WHEN served_before > 0 AND served_after > 0 AND 9 * failed_minute <= served_minute THEN 'keepalive-race'
      ELSE 'keepalive-race'
    END AS cause
  FROM windows
),
-- A 504 after >= 1 s is a response timeout if it took the idle timeout (or
-- the idle timeout is unknown), and unexplained if not.
timeouts AS (
  SELECT x.minute, x.target,
    CASE WHEN i.secs IS NULL OR abs((x.elapsed + 500000) / 1000000 - i.secs) <= greatest(1, (i.secs * 2 + 50) / 100)
      THEN 'target-response-timeout' ELSE 'lb-timeout-unexplained' END AS cause
  FROM decided x JOIN idle i ON i.elb = x.elb
  WHERE x.kind = 'timeout'
),
counted AS (
  SELECT minute, target, cause, count(*) AS n FROM decided WHERE kind = 'cause' GROUP BY minute, target, cause
  UNION ALL SELECT minute, target, cause, n FROM resolved
  UNION ALL SELECT minute, target, cause, count(*) AS n FROM timeouts GROUP BY minute, target, cause
)
SELECT from_unixtime(c.minute * 60) AS minute, c.target, c.cause, sum(c.n) AS count
FROM counted c
GROUP BY c.minute, c.target, c.cause
ORDER BY c.minute, c.target, c.cause
