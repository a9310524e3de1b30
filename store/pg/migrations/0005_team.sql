-- the team across processes (issue 19): operators' sessions (presence) and
-- their claims on conversations, live on the database clock. A session
-- lives while its process heartbeats it; a claim while its session lives
-- and it was touched within the idle time. Every change takes a revision
-- from one sequence, so readers apply changes to a row in order whatever
-- order they hear of them. UNLOGGED: a PostgreSQL crash ends every
-- session, and the processes join again on their next heartbeat.
CREATE SEQUENCE team_rev;
CREATE SEQUENCE team_session_id;

CREATE UNLOGGED TABLE team_sessions (
  id       bigint PRIMARY KEY,
  process  text NOT NULL,
  actor    bytea NOT NULL,              -- social.Actor as JSON
  brand    text NOT NULL DEFAULT '',
  viewing  text NOT NULL DEFAULT '',
  since    timestamptz NOT NULL DEFAULT now(),
  seen_at  timestamptz NOT NULL DEFAULT now(),
  rev      bigint NOT NULL) WITH (fillfactor = 50);
CREATE INDEX team_sessions_process ON team_sessions (process);

CREATE UNLOGGED TABLE team_claims (
  conv     text PRIMARY KEY,
  session  bigint NOT NULL,
  holder   bytea NOT NULL,              -- social.Actor as JSON
  since    timestamptz NOT NULL DEFAULT now(),
  last_at  timestamptz NOT NULL DEFAULT now(),
  rev      bigint NOT NULL) WITH (fillfactor = 50);
CREATE INDEX team_claims_session ON team_claims (session);
