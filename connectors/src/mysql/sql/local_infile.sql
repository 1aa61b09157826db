-- Whether the server accepts LOAD DATA LOCAL, and the largest packet it takes.
SELECT @@local_infile, @@max_allowed_packet
