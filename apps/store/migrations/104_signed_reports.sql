-- The live pre-flight trusts only reports signed by the CI identity (issue 13, item 2): the compact JWS as received,
-- re-verified at every check, so a row written straight into the table without it counts for nothing.
ALTER TABLE compliance_reports ADD COLUMN jws text;
