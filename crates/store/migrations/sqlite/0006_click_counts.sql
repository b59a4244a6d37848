-- Daily click counters. Recording a batch of clicks adds the clicks it
-- stored, in the same transaction; statistics read these for whole UTC
-- days (`at / 86400000`), so that they are fast and outlive the 31-day
-- purge of raw clicks, which leaves them alone.
--
-- `click_counts` holds clicks (and clicks on gone links) per template,
-- day, pid, campaign (`c`) and platform (`device`): what the statistics of
-- a template read, a few rows a day however many links it has.
-- `link_click_counts` holds the same per short link, keyed for the
-- statistics of one link; clicks on no short link are not in it.
--
-- The keys are upserted, and SQLite's unique keys treat NULLs as
-- distinct, so no key column is NULL: an absent pid or campaign is ''
-- with its bit set in `absent` (1: no pid, 2: no campaign), so an absent
-- pid and an empty one stay two groups. Clicks before 1970 are not
-- counted (integer division would put them in day 0).
CREATE TABLE click_counts (
    template_id TEXT NOT NULL,
    day         INTEGER NOT NULL,
    pid         TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    device      TEXT NOT NULL,
    absent      INTEGER NOT NULL,
    clicks      INTEGER NOT NULL,
    expired     INTEGER NOT NULL,
    PRIMARY KEY (template_id, day, pid, campaign, device, absent)
) WITHOUT ROWID;

CREATE TABLE link_click_counts (
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL,
    day          INTEGER NOT NULL,
    pid          TEXT NOT NULL,
    campaign     TEXT NOT NULL,
    device       TEXT NOT NULL,
    absent       INTEGER NOT NULL,
    clicks       INTEGER NOT NULL,
    expired      INTEGER NOT NULL,
    PRIMARY KEY (template_id, shortlink_id, day, pid, campaign, device, absent)
) WITHOUT ROWID;

-- The clicks stored so far (the last 31 days at most), counted the way
-- statistics counted them until now: per link first, then per template
-- from those and from the clicks on no link.
INSERT INTO link_click_counts (template_id, shortlink_id, day, pid, campaign, device, absent, clicks, expired)
SELECT template_id, shortlink_id, at / 86400000, COALESCE(pid, ''), COALESCE(campaign, ''), device,
       (pid IS NULL) + 2 * (campaign IS NULL), COUNT(*), SUM(expired)
FROM (
    SELECT template_id, shortlink_id, at, json_extract(data, '$.pid') AS pid,
           json_extract(data, '$.c') AS campaign, device, expired
    FROM clicks WHERE at >= 0 AND shortlink_id IS NOT NULL
)
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO click_counts (template_id, day, pid, campaign, device, absent, clicks, expired)
SELECT template_id, day, pid, campaign, device, absent, SUM(clicks), SUM(expired)
FROM (
    SELECT template_id, day, pid, campaign, device, absent, clicks, expired FROM link_click_counts
    UNION ALL
    SELECT template_id, at / 86400000, COALESCE(pid, ''), COALESCE(campaign, ''), device,
           (pid IS NULL) + 2 * (campaign IS NULL), 1, expired
    FROM (
        SELECT template_id, at, json_extract(data, '$.pid') AS pid,
               json_extract(data, '$.c') AS campaign, device, expired
        FROM clicks WHERE at >= 0 AND shortlink_id IS NULL
    )
)
GROUP BY 1, 2, 3, 4, 5, 6;
