package io.donuttracing.tracing.contrib.jdbc;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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
  // per query, so the four proxy classes' constructors are looked up once, here, as method handles: held in
  // static finals, the JIT compiles a call to one into a plain `new` (Constructor.newInstance stays a
  // reflective call, several times dearer).
  private static final MethodHandle CONNECTION_PROXY = proxyConstructor(Connection.class);
  private static final MethodHandle STATEMENT_PROXY = proxyConstructor(Statement.class);
  private static final MethodHandle PREPARED_STATEMENT_PROXY = proxyConstructor(PreparedStatement.class);
  private static final MethodHandle CALLABLE_STATEMENT_PROXY = proxyConstructor(CallableStatement.class);

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

  private static MethodHandle proxyConstructor(Class<?> type) {
    Class<?> proxyClass = Proxy.newProxyInstance(TracingDataSource.class.getClassLoader(), new Class<?>[] {type},
        (p, m, a) -> null).getClass();
    try {
      return MethodHandles.publicLookup().findConstructor(proxyClass, MethodType.methodType(void.class, InvocationHandler.class))
          .asType(MethodType.methodType(Object.class, InvocationHandler.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e); // every proxy class has this public constructor
    }
  }

  private static Object newProxy(MethodHandle proxyConstructor, InvocationHandler handler) {
    try {
      return (Object) proxyConstructor.invokeExact(handler);
    } catch (Throwable e) {
      throw new IllegalStateException(e); // a proxy's constructor only stores the handler
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
      if (result instanceof Statement && !traced(result)) {
        String sql = args != null && args.length > 0 && args[0] instanceof String ? (String) args[0] : null;
        MethodHandle proxyType = result instanceof CallableStatement ? CALLABLE_STATEMENT_PROXY
            : result instanceof PreparedStatement ? PREPARED_STATEMENT_PROXY : STATEMENT_PROXY;
        return newProxy(proxyType, new StatementHandler((Statement) result, sql, (Connection) proxy));
      }
      return result;
    }
  }

  /**
   * A statement that a traced DataSource behind this one made (the auto-configuration wraps every DataSource
   * bean, so a {@code LazyConnectionDataSourceProxy} or a routing DataSource bean around the pool's bean is
   * wrapped as well as the pool): it has its span already; wrapped again, each statement would have two.
   */
  private static boolean traced(Object statement) {
    return Proxy.isProxyClass(statement.getClass()) && Proxy.getInvocationHandler(statement) instanceof StatementHandler;
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
      if (name.equals("clearBatch")) {
        batchSql = null;
      }
      if (!name.startsWith("execute")) {
        return invokeDelegate(statement, method, args);
      }
      String sql = args != null && args.length > 0 && args[0] instanceof String ? (String) args[0]
          : preparedSql != null ? preparedSql : batchSql;
      if (name.endsWith("Batch")) {
        batchSql = null; // executeBatch empties the batch: the next one starts afresh
      }
      // Not made the active span: a statement is a leaf (nothing inside the driver starts spans), and each
      // change of the active span rewrites the logging MDC.
      Span span = tracer.startSpan(spanName, service);
      span.setType("sql");
      span.setResource(sql == null ? name : sql);
      span.setTag("db.type", database);
      span.setTag("span.kind", "client");
      try {
        return invokeDelegate(statement, method, args);
      } catch (Throwable t) {
        span.recordException(t);
        throw t;
      } finally {
        span.finish();
      }
    }
  }

  private static Object invokeDelegate(Object target, Method method, Object[] args) throws Throwable {
    // Method.invoke checks the caller's access on every call unless told not to; in a busy server that check
    // (a one-entry cache that kept missing) was most of what a proxied call cost. The methods are the JDBC
    // interfaces' own, public; the first call of each turns the check off (later calls return at once).
    method.trySetAccessible();
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
