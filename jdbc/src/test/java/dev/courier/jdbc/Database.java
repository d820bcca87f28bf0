package dev.courier.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.testkit.Brokers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A real database the tests run on: PostgreSQL and MariaDB on 127.0.0.1 (started by .ci/run), or
 * the servers {@code COURIER_POSTGRES_HOST}/{@code COURIER_MARIADB_HOST} name. Reachability is
 * checked when a test uses one: under CI an unreachable database fails the test.
 */
record Database(String name, String host, int port, String urlFormat) {

    static Database postgres() {
        return new Database("PostgreSQL", env("COURIER_POSTGRES_HOST", "127.0.0.1"), 5432,
                "jdbc:postgresql://%s:%d/test?user=" + env("COURIER_POSTGRES_USER", "postgres")
                        // the tests crash relays, not the server: commits need not wait for the disk
                        + "&options=-c%%20synchronous_commit%%3Doff");
    }

    static Database mariadb() {
        return new Database("MariaDB", env("COURIER_MARIADB_HOST", "127.0.0.1"), 3306,
                "jdbc:mariadb://%s:%d/test?user=root");
    }

    static Stream<Database> all() {
        return Stream.of(postgres(), mariadb());
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The JDBC URL, after checking the server answers. */
    String url() {
        Brokers.requireReachable(name, host, port);
        return url(host, port);
    }

    /** The JDBC URL of this database reached at {@code viaHost:viaPort} (a proxy). */
    String url(String viaHost, int viaPort) {
        return String.format(urlFormat, viaHost, viaPort);
    }

    /** A pool of connections, as applications use (PostgreSQL forks a process per new connection). */
    PooledDataSource dataSource() {
        return dataSource(url());
    }

    static PooledDataSource dataSource(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(20);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(10_000);
        return new PooledDataSource(new HikariDataSource(config));
    }

    /** A pooled data source to close when done. */
    record PooledDataSource(HikariDataSource pool) implements AutoCloseable {
        DataSource get() {
            return pool;
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /** A table name no other test or run uses. */
    static String uniqueTable(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Drops {@code tables} if they exist. */
    void drop(List<String> tables) throws SQLException {
        try (Connection connection = java.sql.DriverManager.getConnection(url());
             Statement statement = connection.createStatement()) {
            for (String table : tables) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
