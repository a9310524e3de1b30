-- schema 6: the stats report's running totals (issue 20), moved in the
-- transactions that change conversations. k is bbolt's key of the cell
-- ('c' hour brand 0 network, 'o' hour brand 0 operator; the hour big-endian
-- with its sign bit flipped, so a report reads a range), cell its binary
-- form (stats.Cell / stats.OpCell MarshalBinary). An existing database's
-- conversations are counted in by hark (backfillTotals) in this same
-- migration transaction.
CREATE TABLE stat_totals (
  k    bytea PRIMARY KEY,
  cell bytea NOT NULL
) WITH (fillfactor = 80);
