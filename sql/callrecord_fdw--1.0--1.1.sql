/* callrecord_fdw--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION callrecord_fdw UPDATE TO '1.1'" to load this file. \quit

-- The session's cumulative statistics per foreign server.
CREATE FUNCTION callrecord_fdw_stats(
    OUT server_oid oid,
    OUT server_name text,
    OUT provider text,
    OUT scans bigint,
    OUT requests bigint,
    OUT retries bigint,
    OUT throttle_waits bigint,
    OUT throttle_wait_ms double precision,
    OUT bytes bigint,
    OUT rows bigint,
    OUT errors bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE FUNCTION callrecord_fdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW callrecord_fdw_stats AS SELECT * FROM callrecord_fdw_stats();
