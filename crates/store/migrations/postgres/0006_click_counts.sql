-- Daily click counters. Recording a batch of clicks adds the clicks its
-- insert returned, in the same transaction; statistics read these for
-- whole UTC days (`at / 86400000`, rounded toward zero as SQLite does),
-- so that they are fast and outlive the 31-day purge of raw clicks, which
-- leaves them alone.
--
-- `click_counts` holds clicks (and clicks on gone links) per template,
-- day, pid, campaign (`c`) and platform (`device`): what the statistics of
-- a template read, a few rows a day however many links it has.
-- `link_click_counts` holds the same per short link, keyed for the
-- statistics of one link; clicks on no short link are not in it.
--
-- One logical schema with SQLite, whose unique keys treat NULLs as
-- distinct: no key column is NULL, an absent pid or campaign is '' with
-- its bit set in `absent` (1: no pid, 2: no campaign), so an absent pid
-- and an empty one stay two groups. Text is stored in the store's
-- encoding (see text.rs), as in `clicks`. Clicks before 1970 are not
-- counted.
CREATE TABLE click_counts (
    template_id TEXT NOT NULL,
    day         BIGINT NOT NULL,
    pid         TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    device      TEXT NOT NULL,
    absent      BIGINT NOT NULL,
    clicks      BIGINT NOT NULL,
    expired     BIGINT NOT NULL,
    PRIMARY KEY (template_id, day, pid, campaign, device, absent)
);

CREATE TABLE link_click_counts (
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL,
    day          BIGINT NOT NULL,
    pid          TEXT NOT NULL,
    campaign     TEXT NOT NULL,
    device       TEXT NOT NULL,
    absent       BIGINT NOT NULL,
    clicks       BIGINT NOT NULL,
    expired      BIGINT NOT NULL,
    PRIMARY KEY (template_id, shortlink_id, day, pid, campaign, device, absent)
);

-- The clicks stored so far (the last 31 days at most), counted the way
-- statistics counted them until now: per link first, then per template
-- from those and from the clicks on no link.
INSERT INTO link_click_counts (template_id, shortlink_id, day, pid, campaign, device, absent, clicks, expired)
SELECT template_id, shortlink_id, ((at - at % 86400000) / 86400000)::BIGINT,
       COALESCE(pid, ''), COALESCE(campaign, ''), device,
       (CASE WHEN pid IS NULL THEN 1 ELSE 0 END) + (CASE WHEN campaign IS NULL THEN 2 ELSE 0 END),
       COUNT(*), SUM(CASE WHEN expired THEN 1 ELSE 0 END)
FROM (
    SELECT template_id, shortlink_id, at, data ->> 'pid' AS pid, data ->> 'c' AS campaign, device, expired
    FROM clicks WHERE at >= 0 AND shortlink_id IS NOT NULL
) AS stored
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO click_counts (template_id, day, pid, campaign, device, absent, clicks, expired)
SELECT template_id, day, pid, campaign, device, absent, SUM(clicks)::BIGINT, SUM(expired)::BIGINT
FROM (
    SELECT template_id, day, pid, campaign, device, absent, clicks, expired FROM link_click_counts
    UNION ALL
    SELECT template_id, ((at - at % 86400000) / 86400000)::BIGINT, COALESCE(data ->> 'pid', ''),
           COALESCE(data ->> 'c', ''), device,
           (CASE WHEN data ->> 'pid' IS NULL THEN 1 ELSE 0 END)
             + (CASE WHEN data ->> 'c' IS NULL THEN 2 ELSE 0 END),
           1, CASE WHEN expired THEN 1 ELSE 0 END
    FROM clicks WHERE at >= 0 AND shortlink_id IS NULL
) AS stored
GROUP BY 1, 2, 3, 4, 5, 6;
