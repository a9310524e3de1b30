-- schema 8: the stats report's sums (issue 20). Beside the hourly cells
-- ('c', 'o'), stat_totals keeps, moved in the same transactions: 'C' day
-- brand 0 network (a UTC day's cells of a brand and network), 'H' hour 0
-- (an hour's cells over every brand and network) and 'O' day brand 0
-- operator; the day big-endian with its sign bit flipped, as the hour is.
-- A report reads the days it covers whole from 'C' and 'O' and its days
-- and hours of the day from 'H': a year is ~16,000 cells, not 183,000.
-- Summed from the hourly cells by hark (backfillSums) in this same
-- migration transaction.
SELECT 1;
