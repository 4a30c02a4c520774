package io.donuttracing.tracing.contrib.jdbc;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Locale;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that traces every statement its connections run, without touching the code that
 * runs them (the seed's monkey patch of the ORM, done the Java way: wrap the one object everything goes
 * through).
 *
 * <p>Each {@code execute*} call becomes a span named {@code <db>.query} ({@code h2.query},
 * {@code postgresql.query}: the database from the JDBC URL), type {@code sql}, service {@code db} unless
 * told otherwise, resource the SQL text, tag {@code db.type}. A failing statement marks the span as an error.
 *
 * <pre>{@code
 * DataSource traced = new TracingDataSource(dataSource, tracer);   // service "db"
 * }</pre>
 *
 * Connections and statements are JDK dynamic proxies around the real ones; {@code unwrap} reaches the
 * real objects.
 */
public final class TracingDataSource implements DataSource {
  // Proxy.newProxyInstance looks up the proxy class on every call; a connection and a statement are made
  // per query, so the four proxy classes' constructors are looked up once, here.
  private static final Constructor<?> CONNECTION_PROXY = proxyConstructor(Connection.class);
  private static final Constructor<?> STATEMENT_PROXY = proxyConstructor(Statement.class);
  private static final Constructor<?> PREPARED_STATEMENT_PROXY = proxyConstructor(PreparedStatement.class);
  private static final Constructor<?> CALLABLE_STATEMENT_PROXY = proxyConstructor(CallableStatement.class);

  private final DataSource delegate;
  private final Tracer tracer;
  private final String service;
  private volatile String database;
  /** {@code <database>.query}, made once with {@link #database} rather than per statement. */
  private volatile String spanName;

  public TracingDataSource(DataSource delegate, Tracer tracer) {
    this(delegate, tracer, "db");
  }

  public TracingDataSource(DataSource delegate, Tracer tracer, String service) {
    this.delegate = delegate;
    this.tracer = tracer;
    this.service = service;
  }

  /** The wrapped data source. */
  public DataSource delegate() {
    return delegate;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return wrap(delegate.getConnection(username, password));
  }

  private Connection wrap(Connection connection) throws SQLException {
    if (spanName == null) {
      String db = databaseName(connection);
      database = db;
      spanName = db + ".query";
    }
    return (Connection) newProxy(CONNECTION_PROXY, new ConnectionHandler(connection));
  }

  private static Constructor<?> proxyConstructor(Class<?> type) {
    try {
      return Proxy.newProxyInstance(TracingDataSource.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> null)
          .getClass().getConstructor(InvocationHandler.class);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e); // every proxy class has this constructor
    }
  }

  private static Object newProxy(Constructor<?> proxy, InvocationHandler handler) {
    try {
      return proxy.newInstance(handler);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code jdbc:h2:mem:x} -> {@code h2}; {@code jdbc:postgresql://...} -> {@code postgresql}. */
  static String databaseName(Connection connection) {
    try {
      String url = connection.getMetaData().getURL();
      if (url != null && url.startsWith("jdbc:")) {
        int end = url.indexOf(':', 5);
        if (end > 5) {
          return url.substring(5, end).toLowerCase(Locale.ROOT);
        }
      }
      return connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).replace(' ', '_');
    } catch (SQLException | RuntimeException e) {
      return "jdbc";
    }
  }

  private final class ConnectionHandler implements InvocationHandler {
    private final Connection connection;

    ConnectionHandler(Connection connection) {
      this.connection = connection;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("equals")) {
        return proxy == args[0];
      }
      if (name.equals("hashCode")) {
        return System.identityHashCode(proxy);
      }
      if (name.equals("unwrap") && args[0] == Connection.class) {
        return connection;
      }
      Object result = invokeDelegate(connection, method, args);
      if (result instanceof Statement) {
        String sql = args != null && args.length > 0 && args[0] instanceof String ? (String) args[0] : null;
        Constructor<?> proxyType = result instanceof CallableStatement ? CALLABLE_STATEMENT_PROXY
            : result instanceof PreparedStatement ? PREPARED_STATEMENT_PROXY : STATEMENT_PROXY;
        return newProxy(proxyType, new StatementHandler((Statement) result, sql, (Connection) proxy));
      }
      return result;
    }
  }

  private final class StatementHandler implements InvocationHandler {
    private final Statement statement;
    private final String preparedSql;
    private final Connection connectionProxy;
    private String batchSql;

    StatementHandler(Statement statement, String preparedSql, Connection connectionProxy) {
      this.statement = statement;
      this.preparedSql = preparedSql;
      this.connectionProxy = connectionProxy;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("equals")) {
        return proxy == args[0];
      }
      if (name.equals("hashCode")) {
        return System.identityHashCode(proxy);
      }
      if (name.equals("getConnection")) {
        return connectionProxy;
      }
      if (name.equals("addBatch") && args != null && args.length == 1 && batchSql == null) {
        batchSql = (String) args[0];
      }
      if (!name.startsWith("execute")) {
        return invokeDelegate(statement, method, args);
      }
      String sql = args != null && args.length > 0 && args[0] instanceof String ? (String) args[0]
          : preparedSql != null ? preparedSql : batchSql;
      try (Span span = tracer.trace(spanName, service)) {
        span.setType("sql");
        span.setResource(sql == null ? name : sql);
        span.setTag("db.type", database);
        span.setTag("span.kind", "client");
        try {
          return invokeDelegate(statement, method, args);
        } catch (Throwable t) {
          span.recordException(t);
          throw t;
        }
      }
    }
  }

  private static Object invokeDelegate(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  // ---- plain delegation ------------------------------------------------------------------------

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    if (iface.isInstance(delegate)) {
      return iface.cast(delegate);
    }
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || iface.isInstance(delegate) || delegate.isWrapperFor(iface);
  }
}
