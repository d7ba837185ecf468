-- PostgreSQL's artifacts keys became IDENTITY columns; SQLite's were AUTOINCREMENT already.
-- (Kept so that both trees hold the same versions.)
SELECT 1;
