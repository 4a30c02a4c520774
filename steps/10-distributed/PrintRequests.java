import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/**
 * A stand-in for the taster that prints every request it gets, headers and all, and answers each with a score,
 * so that you can see what the matchmaker sends. Run it in the taster's place (step 10's text says how):
 * {@code java steps/10-distributed/PrintRequests.java 5001}. It uses nothing but the JDK.
 */
public class PrintRequests {

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5001;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            StringBuilder request = new StringBuilder();
            request.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
            // by name; the JDK's server writes each name with a capital first letter, whatever the client sent
            new TreeMap<>(exchange.getRequestHeaders()).forEach((name, values) ->
                    values.forEach(value -> request.append(name).append(": ").append(value).append('\n')));
            System.out.println(request);
            byte[] body = "{\"score\":5}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("Printing the requests sent to 127.0.0.1:" + port + "; Ctrl-C stops.");
    }
}
