package io.donuttracing.collector.export;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Zipkin's own server ({@code io.zipkin:zipkin-server:3.6.1:exec}, copied into {@code target/zipkin} by
 * the build), run as a child process with in-memory storage on a free port of 127.0.0.1.
 */
public final class ZipkinServer implements AutoCloseable {
    private final Process process;
    private final int port;

    private ZipkinServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Path jar() {
        return Path.of(System.getProperty("zipkin.exec.jar", "target/zipkin/zipkin-server-exec.jar"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts Zipkin and waits until it answers on {@code /health}. */
    public static ZipkinServer start(Path jar, String heap, Path log, String... extraEnv) throws IOException {
        if (!jar.toFile().isFile()) {
            throw new IllegalStateException("Zipkin's jar is missing: " + jar + " (the build copies it in generate-test-resources)");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, "-jar", jar.toString(),
                "--armeria.ports[0].port=" + port, "--armeria.ports[0].ip=127.0.0.1",
                "--armeria.ports[0].protocols[0]=http"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("STORAGE_TYPE", "mem");
        pb.environment().put("SELF_TRACING_ENABLED", "false");
        for (int i = 0; i + 1 < extraEnv.length; i += 2) {
            pb.environment().put(extraEnv[i], extraEnv[i + 1]);
        }
        Process p = pb.start();
        ZipkinServer z = new ZipkinServer(p, port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("zipkin exited with " + p.exitValue() + ", see " + log);
                }
                return http.send(HttpRequest.newBuilder(URI.create(z.url("/health"))).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (RuntimeException e) {
            z.close();
            throw e;
        }
        return z;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static File logFile(String name) {
        File dir = new File("target");
        dir.mkdirs();
        return new File(dir, name);
    }
}
