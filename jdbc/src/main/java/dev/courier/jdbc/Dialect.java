package dev.courier.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The databases Courier's outbox and inbox run on, told apart by the JDBC driver's product name.
 * Each ships its table definitions as resources ({@link #schemaResource(String)}) for teams that
 * migrate with Flyway or Liquibase.
 */
public enum Dialect {
    /** PostgreSQL 9.5 or later: {@code SKIP LOCKED}, and {@code LISTEN/NOTIFY} wake-ups. */
    POSTGRESQL("postgresql"),
    /** MariaDB 10.6 or later (and MySQL 8): {@code SKIP LOCKED}; relays poll. */
    MARIADB("mariadb"),
    /** H2 2.x, embedded: for examples and single-process applications; relays poll. */
    H2("h2");

    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,50}");

    private final String resourceName;

    Dialect(String resourceName) {
        this.resourceName = resourceName;
    }

    /**
     * The dialect of the database {@code connection} is connected to.
     *
     * @throws IllegalArgumentException for a database other than PostgreSQL, MariaDB, MySQL or H2
     */
    public static Dialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        String lower = product.toLowerCase(Locale.ROOT);
        if (lower.contains("postgres")) {
            return POSTGRESQL;
        }
        if (lower.contains("mariadb") || lower.contains("mysql")) {
            return MARIADB;
        }
        if (lower.equals("h2")) {
            return H2;
        }
        throw new IllegalArgumentException("courier-jdbc supports PostgreSQL, MariaDB, MySQL and H2, not " + product);
    }

    /**
     * The class-path resource holding this dialect's table definition for {@code table}
     * ({@code "outbox"} or {@code "inbox"}), for example
     * {@code dev/courier/jdbc/schema/postgresql-outbox.sql}. It names the tables
     * {@code courier_outbox} and {@code courier_inbox}.
     */
    public String schemaResource(String table) {
        if (!table.equals("outbox") && !table.equals("inbox")) {
            throw new IllegalArgumentException("table must be \"outbox\" or \"inbox\", was '" + table + "'");
        }
        return "dev/courier/jdbc/schema/" + resourceName + "-" + table + ".sql";
    }

    /** Checks a configured table name: letters, digits and '_', starting with a letter or '_', up to 51 characters. */
    static String tableName(String name) {
        if (name == null || !TABLE.matcher(name).matches()) {
            throw new IllegalArgumentException("a table name is 1 to 51 of [A-Za-z0-9_], not starting with a digit: '"
                    + name + "'");
        }
        return name;
    }

    /** Runs the schema resource of {@code kind}, its default table name replaced by {@code table}. */
    void createTables(Connection connection, String kind, String table) throws SQLException {
        for (String sql : statements(kind, table)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    List<String> statements(String kind, String table) {
        String text;
        try (InputStream in = Dialect.class.getClassLoader().getResourceAsStream(schemaResource(kind))) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + schemaResource(kind));
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.strip().startsWith("--")) {
                body.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : body.toString().replace("courier_" + kind, table).split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }

    /** The row lock that lets several relays share a table: each takes rows the others have not locked. */
    String lockRowsSkippingLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }
}
