/*
 * BiClient: drives callrecord_fdw's foreign tables through PostgreSQL's
 * extended query protocol with the PostgreSQL JDBC driver (pgjdbc, Debian's
 * libpostgresql-jdbc-java), the way BI tools do.  Used by
 * test/integration/test_clients.py, which compiles it with javac at test time
 * and compares what it prints with the local vendor server's ground truth.
 *
 * Connection: the libpq environment (PGHOST, PGPORT, PGDATABASE, PGUSER,
 * PGPASSWORD, as pg_virtualenv sets them).  A PGHOST that is a socket
 * directory (starts with '/') is replaced by localhost over TCP.  The driver
 * runs with prepareThreshold=1, so every PreparedStatement is a named
 * server-side statement from its first execution.
 *
 * Input (stdin): one command per line, fields separated by tabs.
 *   prepared <label> <plan_cache_mode> <lo_ms> <hi_ms> <task> [<lo_ms> <hi_ms> <task> ...]
 *       one PreparedStatement, executed once per (lo, hi, task) triple:
 *       SELECT phone, call_start_time, duration, channel_id
 *       FROM <schema>.uvms_send_records
 *       WHERE call_start_time >= ? AND call_start_time < ? AND task_no = ?
 *       then its row in pg_prepared_statements (generic/custom plan counts).
 *   fetchsize <label> <lo_ms> <hi_ms> <fetch_size>
 *       autocommit off, setFetchSize, a range query ordered by
 *       call_start_time DESC, read to the end; pg_cursors is read on the
 *       same connection after the first row (the open protocol portal).
 *   declare <label> <lo_ms> <hi_ms> <batch>
 *       DECLARE ... CURSOR with bound parameters, FETCH FORWARD <batch> until
 *       empty, CLOSE; every batch's size.
 *   meta
 *       DatabaseMetaData.getTables / getColumns, ResultSetMetaData and
 *       ParameterMetaData of the prepared query, information_schema and
 *       pg_catalog queries about the foreign tables of <schema>.
 *   explain <lo_ms> <hi_ms> <task>
 *       EXPLAIN (COSTS OFF) of the prepared query with bound parameters, and
 *       EXPLAIN (COSTS OFF) EXECUTE of the same query PREPAREd in SQL, under
 *       plan_cache_mode force_generic_plan (its arguments as literals).
 * The first argument is the schema the tables were imported into.
 *
 * Output (stdout): one JSON object per line, with a "kind" field.  Nothing
 * secret is printed (the password is only handed to the driver).
 */

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

public class BiClient {

    static String schema;

    // ------------------------------------------------------------ tiny JSON writer

    static String q(String s) {
        if (s == null)
            return "null";
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20)
                        b.append(String.format("\\u%04x", (int) c));
                    else
                        b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static String val(Object o) {
        if (o == null)
            return "null";
        if (o instanceof Integer || o instanceof Long || o instanceof Boolean)
            return o.toString();
        if (o instanceof List) {
            StringBuilder b = new StringBuilder("[");
            for (Object x : (List<?>) o) {
                if (b.length() > 1)
                    b.append(',');
                b.append(val(x));
            }
            return b.append(']').toString();
        }
        if (o instanceof Obj)
            return o.toString();
        return q(o.toString());
    }

    /** An ordered JSON object. */
    static class Obj {
        final StringBuilder b = new StringBuilder("{");

        Obj put(String k, Object v) {
            if (b.length() > 1)
                b.append(',');
            b.append(q(k)).append(':').append(val(v));
            return this;
        }

        public String toString() {
            return b.toString() + "}";
        }
    }

    static void emit(Obj o) {
        System.out.println(o.toString());
        System.out.flush();
    }

    // ------------------------------------------------------------ helpers

    static final String RANGE_SQL_COLS = "phone, call_start_time, duration, channel_id";

    static String preparedSql(String label) {
        return preparedSql(label, "?", "?", "?");
    }

    static String preparedSql(String label, String p1, String p2, String p3) {
        return "/* " + label + " */ SELECT " + RANGE_SQL_COLS + " FROM " + schema + ".uvms_send_records"
                + " WHERE call_start_time >= " + p1 + " AND call_start_time < " + p2 + " AND task_no = " + p3;
    }

    static String lit(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    static OffsetDateTime ts(long ms) {
        return Instant.ofEpochMilli(ms).atOffset(ZoneOffset.UTC);
    }

    /** One row of RANGE_SQL_COLS: [phone, call_start_time ms, duration, channel_id]. */
    static List<Object> rangeRow(ResultSet rs) throws SQLException {
        List<Object> row = new ArrayList<>();
        row.add(rs.getString(1));
        OffsetDateTime t = rs.getObject(2, OffsetDateTime.class);
        row.add(t == null ? null : t.toInstant().toEpochMilli());
        Object d = rs.getObject(3);
        row.add(d);
        row.add(rs.getString(4));
        return row;
    }

    /** Rows of a query as lists of strings (for catalog queries). */
    static List<Object> rows(ResultSet rs) throws SQLException {
        List<Object> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<Object> r = new ArrayList<>();
            for (int i = 1; i <= n; i++)
                r.add(rs.getString(i));
            out.add(r);
        }
        rs.close();
        return out;
    }

    static List<Object> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++)
                ps.setObject(i + 1, params[i]);
            return rows(ps.executeQuery());
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    // ------------------------------------------------------------ commands

    static void prepared(Connection c, String[] f) throws SQLException {
        String label = f[1];
        String mode = f[2];
        exec(c, "SET plan_cache_mode = " + mode);
        String sql = preparedSql(label);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            boolean typesShown = false;
            for (int i = 3, n = 0; i + 2 < f.length; i += 3, n++) {
                long lo = Long.parseLong(f[i]);
                long hi = Long.parseLong(f[i + 1]);
                String task = f[i + 2];
                ps.setObject(1, ts(lo), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setObject(2, ts(hi), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setString(3, task);
                long t0 = System.nanoTime();
                List<Object> got = new ArrayList<>();
                List<Object> classes = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    if (!typesShown) {
                        ResultSetMetaData md = rs.getMetaData();
                        for (int k = 1; k <= md.getColumnCount(); k++)
                            classes.add(Arrays.asList(md.getColumnLabel(k), md.getColumnTypeName(k),
                                                md.getColumnClassName(k)));
                    }
                    while (rs.next())
                        got.add(rangeRow(rs));
                }
                Obj o = new Obj().put("kind", "exec").put("label", label).put("n", n)
                        .put("lo", lo).put("hi", hi).put("task", task)
                        .put("ms", (System.nanoTime() - t0) / 1000000L).put("rows", got);
                if (!typesShown)
                    o.put("columns", classes);
                typesShown = true;
                emit(o);
            }
            // the named statement the driver prepared, and how PostgreSQL planned it
            List<Object> st = query(c,
                    "SELECT name, from_sql::text, generic_plans::text, custom_plans::text, "
                    + "array_to_string(parameter_types::text[], ',') "
                    + "FROM pg_prepared_statements WHERE statement LIKE ?",
                    "/* " + label + " */%");
            emit(new Obj().put("kind", "prepared_stats").put("label", label).put("mode", mode)
                    .put("statements", st));
        }
        exec(c, "RESET plan_cache_mode");
    }

    static void fetchsize(Connection c, String[] f) throws SQLException {
        String label = f[1];
        long lo = Long.parseLong(f[2]);
        long hi = Long.parseLong(f[3]);
        int fetch = Integer.parseInt(f[4]);
        c.setAutoCommit(false);
        List<Object> got = new ArrayList<>();
        List<Object> portals = null;
        String sql = "SELECT " + RANGE_SQL_COLS + " FROM " + schema + ".uvms_send_records"
                + " WHERE call_start_time >= ? AND call_start_time < ? ORDER BY call_start_time DESC";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(fetch);
            ps.setObject(1, ts(lo), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setObject(2, ts(hi), Types.TIMESTAMP_WITH_TIMEZONE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    got.add(rangeRow(rs));
                    if (got.size() == 1)        // the portal stays open between batches
                        portals = query(c, "SELECT name, statement, is_holdable::text FROM pg_cursors "
                                + "WHERE statement LIKE '%uvms_send_records%'");
                }
                emit(new Obj().put("kind", "fetchsize").put("label", label).put("lo", lo).put("hi", hi)
                        .put("fetch_size", rs.getFetchSize()).put("portals", portals).put("rows", got));
            }
        }
        c.commit();
        c.setAutoCommit(true);
    }

    static void declare(Connection c, String[] f) throws SQLException {
        String label = f[1];
        long lo = Long.parseLong(f[2]);
        long hi = Long.parseLong(f[3]);
        int batch = Integer.parseInt(f[4]);
        c.setAutoCommit(false);
        List<Object> got = new ArrayList<>();
        List<Object> batches = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "DECLARE bi_cur NO SCROLL CURSOR FOR SELECT " + RANGE_SQL_COLS + " FROM " + schema
                + ".uvms_send_records WHERE call_start_time >= ? AND call_start_time < ?")) {
            ps.setObject(1, ts(lo), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setObject(2, ts(hi), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.execute();
        }
        try (PreparedStatement fetch = c.prepareStatement("FETCH FORWARD " + batch + " FROM bi_cur")) {
            while (true) {
                int n = 0;
                try (ResultSet rs = fetch.executeQuery()) {
                    while (rs.next()) {
                        got.add(rangeRow(rs));
                        n++;
                    }
                }
                batches.add(n);
                if (n == 0)
                    break;
            }
        }
        exec(c, "CLOSE bi_cur");
        c.commit();
        c.setAutoCommit(true);
        emit(new Obj().put("kind", "declare").put("label", label).put("lo", lo).put("hi", hi)
                .put("batches", batches).put("rows", got));
    }

    static void meta(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        emit(new Obj().put("kind", "driver").put("name", md.getDriverName())
                .put("version", md.getDriverVersion()).put("server", md.getDatabaseProductVersion()));

        List<Object> tables = new ArrayList<>();
        try (ResultSet rs = md.getTables(null, schema, "%", null)) {
            while (rs.next())
                tables.add(Arrays.asList(rs.getString("TABLE_SCHEM"), rs.getString("TABLE_NAME"),
                                   rs.getString("TABLE_TYPE")));
        }
        emit(new Obj().put("kind", "jdbc_tables").put("rows", tables));

        List<Object> cols = new ArrayList<>();
        try (ResultSet rs = md.getColumns(null, schema, "uvms_send_records", "%")) {
            while (rs.next())
                cols.add(Arrays.asList(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"),
                                 rs.getInt("DATA_TYPE"), rs.getInt("ORDINAL_POSITION"),
                                 rs.getString("IS_NULLABLE")));
        }
        emit(new Obj().put("kind", "jdbc_columns").put("rows", cols));

        // what a BI tool asks before running a query: result and parameter descriptions
        try (PreparedStatement ps = c.prepareStatement(preparedSql("describe"))) {
            ResultSetMetaData rmd = ps.getMetaData();
            List<Object> rcols = new ArrayList<>();
            for (int k = 1; k <= rmd.getColumnCount(); k++)
                rcols.add(Arrays.asList(rmd.getColumnLabel(k), rmd.getColumnTypeName(k), rmd.getColumnType(k)));
            ParameterMetaData pmd = ps.getParameterMetaData();
            List<Object> params = new ArrayList<>();
            for (int k = 1; k <= pmd.getParameterCount(); k++)
                params.add(Arrays.asList(pmd.getParameterTypeName(k), pmd.getParameterType(k)));
            emit(new Obj().put("kind", "describe").put("columns", rcols).put("params", params));
        }

        emit(new Obj().put("kind", "is_tables").put("rows", query(c,
                "SELECT table_name, table_type FROM information_schema.tables "
                + "WHERE table_schema = ? ORDER BY table_name", schema)));
        emit(new Obj().put("kind", "is_foreign_tables").put("rows", query(c,
                "SELECT foreign_table_name, foreign_server_name FROM information_schema.foreign_tables "
                + "WHERE foreign_table_schema = ? ORDER BY 1", schema)));
        emit(new Obj().put("kind", "is_columns").put("rows", query(c,
                "SELECT table_name, column_name, data_type, udt_name, ordinal_position, is_nullable "
                + "FROM information_schema.columns WHERE table_schema = ? "
                + "ORDER BY table_name, ordinal_position", schema)));
        emit(new Obj().put("kind", "pg_foreign").put("rows", query(c,
                "SELECT c.relname, c.relkind::text, s.srvname, w.fdwname, "
                + "array_to_string(ft.ftoptions, ',') "
                + "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                + "JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid "
                + "JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
                + "JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw "
                + "WHERE n.nspname = ? AND c.relkind = 'f' ORDER BY c.relname", schema)));
        emit(new Obj().put("kind", "pg_attribute").put("rows", query(c,
                "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
                + "t.typname, a.attnum::text "
                + "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                + "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                + "WHERE n.nspname = ? AND c.relkind = 'f' AND a.attnum > 0 AND NOT a.attisdropped "
                + "ORDER BY c.relname, a.attnum", schema)));
    }

    static void explain(Connection c, String[] f) throws SQLException {
        long lo = Long.parseLong(f[1]);
        long hi = Long.parseLong(f[2]);
        String task = f[3];
        List<Object> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (COSTS OFF) " + preparedSql("explain"))) {
            ps.setObject(1, ts(lo), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setObject(2, ts(hi), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setString(3, task);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    lines.add(rs.getString(1));
            }
        }
        // the generic plan of the same query: an SQL-level PREPARE, EXPLAIN EXECUTE with bound values
        List<Object> generic = new ArrayList<>();
        exec(c, "PREPARE bi_generic(timestamptz, timestamptz, text) AS "
                + preparedSql("explain generic", "$1", "$2", "$3"));
        exec(c, "SET plan_cache_mode = force_generic_plan");
        // (EXECUTE's arguments cannot be protocol parameters: they are SQL literals here)
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (COSTS OFF) EXECUTE bi_generic("
                + lit(ts(lo).toString()) + ", " + lit(ts(hi).toString()) + ", " + lit(task) + ")")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    generic.add(rs.getString(1));
            }
        }
        exec(c, "RESET plan_cache_mode");
        exec(c, "DEALLOCATE bi_generic");
        emit(new Obj().put("kind", "explain").put("lo", lo).put("hi", hi).put("task", task).put("plan", lines)
                .put("generic_plan", generic));
    }

    // ------------------------------------------------------------ main

    static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? dflt : v;
    }

    public static void main(String[] args) throws Exception {
        schema = args.length > 0 ? args[0] : "public";
        String host = env("PGHOST", "localhost");
        if (host.startsWith("/"))
            host = "localhost";           // a socket directory: the driver speaks TCP only
        String port = env("PGPORT", "5432");
        String user = env("PGUSER", System.getProperty("user.name"));
        String db = env("PGDATABASE", user);
        String url = "jdbc:postgresql://" + host + ":" + port + "/" + db;

        Properties props = new Properties();
        props.setProperty("user", user);
        String pw = System.getenv("PGPASSWORD");
        if (pw != null)
            props.setProperty("password", pw);
        props.setProperty("prepareThreshold", "1");
        props.setProperty("ApplicationName", "callrecord_fdw BiClient");

        try (Connection c = DriverManager.getConnection(url, props)) {
            emit(new Obj().put("kind", "connected").put("url", url).put("user", user));
            exec(c, "SET TIME ZONE 'UTC'");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank())
                    continue;
                String[] f = line.split("\t", -1);
                try {
                    switch (f[0]) {
                        case "prepared": prepared(c, f); break;
                        case "fetchsize": fetchsize(c, f); break;
                        case "declare": declare(c, f); break;
                        case "meta": meta(c); break;
                        case "explain": explain(c, f); break;
                        default: throw new IllegalArgumentException("unknown command " + f[0]);
                    }
                } catch (SQLException e) {
                    emit(new Obj().put("kind", "error").put("command", f[0]).put("sqlstate", e.getSQLState())
                            .put("message", e.getMessage()));
                    if (!c.getAutoCommit()) {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                }
            }
        }
        emit(new Obj().put("kind", "done"));
    }
}
