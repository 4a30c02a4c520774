package io.donuttracing.collector.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * The web page in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium
 * with explicit paths, so Selenium Manager never downloads anything).
 */
@EnabledIf("browserInstalledOrInCi")
class WebPageTest extends CollectorTestBase {
    private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    private static final String XSS = "<img src=x onerror=alert(1)>";
    private static WebDriver driver;
    private static Path profile;

    /**
     * On a developer's machine a missing browser skips this test (Surefire counts it as skipped); in CI (.ci/run
     * installs it) it fails, in {@link #startBrowser()}.
     */
    static boolean browserInstalledOrInCi() {
        return browserInstalled() || System.getenv("CI") != null;
    }

    private static boolean browserInstalled() {
        return new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        assertThat(browserInstalled())
                .as("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)").isTrue();
        profile = Files.createTempDirectory("collector-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000", "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @BeforeEach
    void defaultWindow() {
        resize(1400, 1000);
    }

    @Test
    void showsTheServiceOpensTheTraceAndShowsASpansTagsAsText() throws Exception {
        long traceId = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        S root = new S(traceId, 1, 0).service("web-matchmaker").name("servlet.request").resource("GET /pair/beer")
                .start(now - 250_000_000L).duration(210_000_000L).meta("http.status_code", "200")
                .meta("span.kind", "server").meta("evil", XSS).metric("_sampling_priority_v1", 1);
        S query = new S(traceId, 2, 1).service("web-matchmaker").name("h2.query").type("sql")
                .resource("SELECT * FROM beer WHERE name = 'ipa'").start(now - 240_000_000L).duration(3_000_000L)
                .meta("span.kind", "client");
        S taste = new S(traceId, 3, 1).service("web-taster").name("servlet.request").resource("GET /taste")
                .start(now - 200_000_000L).duration(40_000_000L).error(1).meta("error.msg", "too sweet")
                .meta("span.kind", "server");
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(root, query, taste))))
                .statusCode()).isEqualTo(200);

        driver.get("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.cssSelector("tr.service-row[data-service='web-matchmaker']")).getText())
                        .contains("web-matchmaker"));

        // the service page: its resources with percentiles, and its traces
        clickWhenShown(By.cssSelector("tr.service-row[data-service='web-matchmaker'] a"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            assertThat(driver.findElement(By.id("resources-table")).getText()).contains("GET /pair/beer", "SELECT * FROM beer WHERE name = ?");
            assertThat(driver.findElements(By.cssSelector("#resources-table th"))).extracting(WebElement::getText)
                    .containsSubsequence("HITS", "ERRORS", "P50", "P95", "P99", "MAX"); // as shown: the headers are upper-cased by CSS
            // the 210 ms root: its percentiles from the sketch (within 1%), its maximum exact
            WebElement row = driver.findElement(By.xpath("//table[@id='resources-table']//tr[td[1]='GET /pair/beer']"));
            List<String> cells = row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
            assertThat(cells.subList(2, 4)).as("hits, errors").containsExactly("1", "0");
            assertThat(cells.subList(4, 7)).as("p50, p95, p99").allMatch(c -> c.matches("2(0[89]|1[0-2]) ms"));
            assertThat(cells.get(7)).as("max").isEqualTo("210 ms");
            // the chart: one line per percentile
            assertThat(driver.findElements(By.cssSelector("svg.chart path.series"))).hasSize(3);
        });

        clickWhenShown(By.cssSelector("tr.trace-row[data-trace-id='" + traceId + "'] a"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSize(3));
        assertThat(driver.findElement(By.id("waterfall")).getText()).contains("web-taster", "GET /taste");

        // click the root span: all its fields and tags, the hostile one as plain text
        await().atMost(Duration.ofSeconds(10)).ignoreException(StaleElementReferenceException.class).untilAsserted(() -> {
            driver.findElement(By.cssSelector("#waterfall .span-row[data-span-id='1']")).click();
            assertThat(driver.findElement(By.id("span-tags")).isDisplayed()).isTrue();
        });
        Map<String, String> tags = driver.findElements(By.cssSelector("#span-tags tr.tag-row")).stream().collect(
                Collectors.toMap(r -> r.findElement(By.className("tag-key")).getText(),
                        r -> r.findElement(By.className("tag-value")).getText()));
        assertThat(tags).containsEntry("http.status_code", "200").containsEntry("span.kind", "server")
                .containsEntry("evil", XSS);
        assertThat(driver.findElement(By.id("span-fields")).getText()).contains("GET /pair/beer", Long.toString(traceId));
        assertThat(driver.findElement(By.id("span-metrics")).getText()).contains("_sampling_priority_v1");
        // shown as text, and nothing ran: no <img> element anywhere, no alert
        assertThat(driver.findElements(By.cssSelector("#app img"))).isEmpty();
        assertThat(((JavascriptExecutor) driver).executeScript(
                "return [...document.querySelectorAll('.tag-value')].some(e => e.children.length > 0)")).isEqualTo(false);
        assertNoAlert();

        Path shot = Path.of("target", "web-page-trace.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

        // the error span shows its error
        driver.findElement(By.cssSelector("#waterfall .span-row[data-span-id='3']")).click();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.id("span-fields")).getText()).contains("yes"));
        assertThat(driver.findElement(By.id("span-tags")).getText()).contains("too sweet");
    }

    @Test
    void aServiceWhoseNameHoldsASlashOpensItsPage() throws Exception {
        long traceId = newId();
        S root = new S(traceId, 1, 0).service("web-team/orders").name("servlet.request").resource("GET /orders")
                .start(System.currentTimeMillis() * 1_000_000L - 50_000_000L).duration(20_000_000L);
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(root))))
                .statusCode()).isEqualTo(200);
        driver.get("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                driver.findElement(By.cssSelector("tr.service-row[data-service='web-team/orders'] a")).click());
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            assertThat(driver.findElement(By.id("resources-table")).getText()).contains("GET /orders");
            assertThat(driver.findElement(By.cssSelector("tr.trace-row[data-trace-id='" + traceId + "']"))).isNotNull();
        });
        assertNoAlert();
    }

    @Test
    void filtersAndEmptyStatesAreInWords() throws Exception {
        driver.get("http://127.0.0.1:" + port + "/#/traces?service=nobody-has-this-service");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.id("app")).getText()).contains("No stored trace matches these filters."));
        driver.get("http://127.0.0.1:" + port + "/#/trace/123456789012345");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.id("app")).getText()).contains("No trace 123456789012345 in the store"));
        driver.get("http://127.0.0.1:" + port + "/#/trace/%ZZ"); // a bad escape: an answer, not a page left loading
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.id("app")).getText()).contains("Not a trace id: %ZZ").doesNotContain("Loading"));
        driver.get("http://127.0.0.1:" + port + "/#/service/nobody-has-this-service");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.id("app")).getText()).contains("No latency data yet.", "No statistics",
                        "No traces of nobody-has-this-service stored.").doesNotContain("matches these filters"));
        assertThat(driver.findElement(By.cssSelector("#filter-service option:checked")).getText()).isEqualTo("nobody-has-this-service");
        assertNoAlert();
    }

    /**
     * The API takes a limit from 1 to 1000 and the page's address keeps it: the "Show" list shows it too, and
     * filtering again keeps it (it showed nothing for 1000, and Filter then went back to 50).
     */
    @Test
    void aLimitTheShowListDoesNotOfferIsShownAndKept() throws Exception {
        sendOneTracePerResource("show-limit", "GET /", 60);
        for (String limit : List.of("1000", "200")) {
            open("#/traces?service=show-limit&limit=" + limit);
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(60));
            assertShownLimit(limit);
            clickWhenShown(By.cssSelector(".filters button[type=submit]"));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(js("return location.hash").toString()).contains("limit=" + limit));
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(60));
        }
    }

    /**
     * The list goes past its limit a page at a time: "Older traces" under it while an older trace matches, keeping
     * the filters; on an older page "Newest traces" leads back.
     */
    @Test
    void olderTracesLoadTheNextPageOnlyWhileThereAreMore() throws Exception {
        sendOneTracePerResource("web-pages", "GET /pages/", 45); // the newest: GET /pages/44
        sendOneTracePerResource("web-pages-twenty", "GET /twenty/", 20);
        open("#/traces?service=web-pages&limit=20");
        awaitListed(range(44, 25));
        clickWhenShown("older-traces");
        awaitListed(range(24, 5));
        assertThat(js("return location.hash").toString()).contains("service=web-pages", "limit=20", "before=");
        assertShownLimit("20");
        clickWhenShown("older-traces");
        awaitListed(range(4, 0));
        assertThat(driver.findElements(By.id("older-traces"))).as("no older trace: no Older traces").isEmpty();
        clickWhenShown("newest-traces");
        awaitListed(range(44, 25));
        assertThat(driver.findElements(By.id("newest-traces"))).isEmpty();

        // exactly a page: nothing older
        open("#/traces?service=web-pages-twenty&limit=20");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(20));
        assertThat(driver.findElements(By.id("older-traces"))).isEmpty();

        // a service's page pages its own traces
        open("#/service/web-pages?limit=20");
        awaitListed(range(44, 25));
        clickWhenShown("older-traces");
        awaitListed(range(24, 5));
        assertThat(js("return location.hash").toString()).startsWith("#/service/web-pages?limit=20&before=");

        open("#/traces?service=web-pages&before=not-a-trace");
        awaitShown("#app", "Cannot show these older traces: before must be a trace id, got not-a-trace");
        clickWhenShown("newest-traces");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(45));
        assertThat(js("return location.hash").toString()).isEqualTo("#/traces?service=web-pages");
    }

    /** The "Show" list's choice, read again if the page drew the list anew meanwhile (it refreshes itself). */
    private void assertShownLimit(String limit) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> assertThat(
                driver.findElement(By.cssSelector("#filter-limit option:checked")).getText()).isEqualTo(limit));
    }

    /** {@code GET /pages/from} down to {@code GET /pages/to}. */
    private static List<String> range(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i >= to; i--) {
            out.add("GET /pages/" + i);
        }
        return out;
    }

    /** The trace list shows these resources, in this order, and nothing else. */
    private static void awaitListed(List<String> resources) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr td:nth-child(3)")))
                        .extracting(WebElement::getText).containsExactlyElementsOf(resources));
    }

    /** Clicks the element with this id once the page shows it (a refresh may draw it anew meanwhile). */
    private static void clickWhenShown(String id) {
        clickWhenShown(By.id(id));
    }

    /** Clicks the element once the page shows it: a list page redraws itself every 5 s, making found elements stale. */
    private static void clickWhenShown(By element) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> driver.findElement(element).click());
    }

    /** A service's page draws its 50 busiest resources and says how many there are, not thousands of rows. */
    @Test
    void aServiceWithMoreResourcesThanThePageDrawsSaysSo() throws Exception {
        sendOneTracePerResource("crowded", "GET /users/", 60);
        open("#/service/crowded");
        awaitShown("#resources-shown", "The 50 busiest of 60 resources, by hits.");
        assertThat(driver.findElements(By.cssSelector("#resources-table tbody tr"))).hasSize(50);
    }

    @Test
    void aLongResourceWithoutSpacesKeepsEveryPageWithinTheWindow() throws Exception {
        long traceId = newId();
        String resource = "GET /" + "a".repeat(6000);
        send(List.of(new S(traceId, 1, 0).service("web-long").name("servlet.request").resource(resource)
                .start(System.currentTimeMillis() * 1_000_000L - 50_000_000L).duration(20_000_000L)));
        String row = "tr.trace-row[data-trace-id='" + traceId + "']";
        for (int width : new int[] {800, 1280, 1366}) {
            resize(width, 768);
            for (String[] page : new String[][] {{"#/", "Services"}, {"#/traces", "Traces"}, {"#/service/web-long", "web-long"}}) {
                open(page[0]);
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                    assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo(page[1]);
                    assertThat(driver.findElement(By.cssSelector(row)).isDisplayed()).isTrue();
                });
                String where = page[0] + " at " + width + " px";
                assertWithinWindow(where, row + " td, th");
                // the resource is cut, but whole in its tooltip (the collector keeps 5,000 characters)
                assertThat(driver.findElement(By.cssSelector(row + " [title]")).getAttribute("title")).as(where)
                        .startsWith(resource.substring(0, 4990));
            }
            open("#/trace/" + traceId);
            awaitShown("#waterfall", "web-long");
            assertWithinWindow("the trace at " + width + " px", "h1, .trace-head > *, #waterfall");
        }
    }

    @Test
    void whatALearnerPastesOpensTheTraceOrIsNamedNotATraceId() throws Exception {
        long traceId = newId();
        send(List.of(new S(traceId, 1, 0).service("web-pasted").name("servlet.request").resource("GET /pair/beer")
                .start(System.currentTimeMillis() * 1_000_000L - 50_000_000L).duration(20_000_000L)));
        String hex = String.format("%016x%016x", 0x6b05bf8bL, traceId).toUpperCase();
        open("#/");
        awaitShown("h1", "Services");
        // the whole header line as curl -si prints it, hex in upper case, spaces after it
        paste("traceresponse: 00-" + hex + "-68B3EDFD18E8D251-01   ");
        awaitShown("#waterfall", "web-pasted");
        assertThat(driver.findElement(By.className("crumbs")).getText()).as("the trace's id, not what was pasted")
                .isEqualTo("Traces / " + traceId);
        paste("not-a-trace");
        awaitShown("#app", "Not a trace id: not-a-trace");
        assertThat(driver.findElement(By.id("app")).getText()).as("the collector's reason")
                .contains("an unsigned decimal number or 32 hex digits").doesNotContain("HTTP 400", "did not answer");
    }

    @Test
    void aClickedSpansDetailsComeIntoViewAndTheKeyboardOpensSpansToo() throws Exception {
        long traceId = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        List<S> spans = new ArrayList<>();
        spans.add(new S(traceId, 1, 0).service("web-big").name("servlet.request").resource("GET /big").start(now - 50_000_000L).duration(40_000_000L));
        for (int i = 2; i <= 400; i++) {
            spans.add(new S(traceId, i, 1).service("web-big").name("work").resource("step " + i).start(now - 50_000_000L + i * 90_000L).duration(80_000L));
        }
        send(spans);
        resize(1366, 768);
        open("#/trace/" + traceId);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSize(400));
        driver.findElement(By.cssSelector(".span-row[data-span-id='5']")).click();
        awaitDetailsInView("step 5");

        // the time axis stays at the top of the window while the spans scroll under it
        js("window.scrollTo(0, 3000)");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(jsLong("return Math.round(document.querySelector('.ruler').getBoundingClientRect().top)")).isBetween(-1L, 1L));

        // the keyboard: Enter on a span, then the arrow down and Space
        js("window.scrollTo(0, 0)");
        WebElement seventh = driver.findElement(By.cssSelector(".span-row[data-span-id='7']"));
        assertThat(seventh.getAttribute("tabindex")).isEqualTo("0");
        seventh.sendKeys(Keys.ENTER);
        awaitDetailsInView("step 7");
        assertThat(driver.switchTo().activeElement().getAttribute("data-span-id")).isEqualTo("7");
        driver.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        driver.switchTo().activeElement().sendKeys(Keys.SPACE);
        awaitDetailsInView("step 8");
        assertThat(driver.findElement(By.cssSelector(".span-row[data-span-id='8']")).getAttribute("aria-pressed")).isEqualTo("true");
    }

    /** The span details panel shows {@code text} and is at least partly within the window. */
    private static void awaitDetailsInView(String text) {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            assertThat(driver.findElement(By.id("span-fields")).getText()).contains(text);
            assertThat(jsLong("return Math.round(document.getElementById('span-details').getBoundingClientRect().top)"))
                    .as("top of the details, in a window %s px high", jsLong("return innerHeight"))
                    .isBetween(0L, jsLong("return innerHeight") - 100);
        });
    }

    /** A trace of a hundred thousand spans would hang the browser: the page draws a thousand, and says so. */
    @Test
    void aTraceWithMoreSpansThanThePageDrawsSaysSoAndCountsThemAll() throws Exception {
        long traceId = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        List<S> spans = new ArrayList<>();
        spans.add(new S(traceId, 1, 0).service("web-batch").resource("POST /import").start(now - 90_000_000).duration(80_000_000));
        for (int i = 0; i < 1_499; i++) {
            S insert = new S(traceId, 2 + i, 1).service("web-batch-db").name("h2.query").resource("INSERT INTO beer VALUES (?)")
                    .start(now - 89_000_000 + i * 50_000L).duration(20_000);
            spans.add(i == 1_498 ? insert.error(1) : insert); // the last one, not drawn
        }
        send(spans);
        open("#/trace/" + traceId);
        awaitShown("#spans-not-drawn", "The first 1,000 of the trace's 1,500 spans are drawn, in tree order. All of them: as text or as JSON.");
        assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSize(1000);
        assertThat(driver.findElement(By.cssSelector(".trace-head")).getText()).contains("1500 spans", "2 services", "1 error");
        assertThat(driver.findElement(By.cssSelector(".legend")).getText()).contains("web-batch", "web-batch-db");
        assertThat(driver.findElement(By.linkText("as JSON")).getAttribute("href")).endsWith("/api/traces/" + traceId);
    }

    @Test
    void deepSpansKeepTheirLabelsErrorsAreMarkedInWordsAndValuesAreShownAsSent() throws Exception {
        long traceId = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        List<S> spans = new ArrayList<>();
        for (int depth = 0; depth < 40; depth++) {
            spans.add(new S(traceId, depth + 1, depth).service("web-deep").name("level" + depth).resource("resource " + depth)
                    .start(now - 50_000_000L + depth * 1000L).duration(40_000_000L - depth * 1000L));
        }
        String stack = "java.lang.IllegalStateException: too sweet\n\tat io.donuttracing.taster.TasteController.taste(TasteController.java:42)"
                + "\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)";
        spans.set(2, spans.get(2).error(1).meta("error.stack", stack).meta("file", "invoice\u202Efdp.exe"));
        send(spans);
        for (int width : new int[] {800, 1280}) {
            resize(width, 768);
            open("#/trace/" + traceId);
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSize(40));
            List<Number> room = js("return [...document.querySelectorAll('#waterfall .span-row .span-label')]"
                    + ".map(l => l.clientWidth - parseFloat(getComputedStyle(l).paddingLeft))");
            assertThat(room).as("room for the text of each label at %d px", width).allMatch(r -> r.doubleValue() >= 120);
            List<Number> indent = js("return [...document.querySelectorAll('#waterfall .span-row .span-label')]"
                    + ".map(l => parseFloat(getComputedStyle(l).paddingLeft))");
            assertThat(indent).as("each level further right").isSortedAccordingTo((a, b) -> Double.compare(a.doubleValue(), b.doubleValue()));
            assertThat(indent.get(39).doubleValue()).isGreaterThan(indent.get(38).doubleValue());
        }
        // the error span says so in its label, in a mark and in words for a screen reader
        WebElement error = driver.findElement(By.cssSelector(".span-row[data-span-id='3'] .span-label"));
        assertThat(error.findElement(By.className("err-mark")).isDisplayed()).isTrue();
        assertThat(error.getAttribute("textContent")).startsWith("!error:");
        assertThat(driver.findElements(By.cssSelector(".span-row[data-span-id='2'] .err-mark"))).isEmpty();

        driver.findElement(By.cssSelector(".span-row[data-span-id='3']")).click();
        awaitShown("#span-tags", "error.stack");
        WebElement value = driver.findElement(By.xpath("//tr[td[1]='error.stack']/td[2]"));
        assertThat(value.getText().lines()).as("the stack's lines").hasSize(3)
                .allMatch(l -> !l.contains("IllegalState") || l.contains("IllegalStateException"));
        assertThat(value.getCssValue("word-break")).isNotEqualTo("break-all");
        // an RTL override would show "invoicefdp.exe" as "invoiceexe.pdf": it is shown, not obeyed
        assertThat(driver.findElement(By.xpath("//tr[td[1]='file']/td[2]")).getText()).isEqualTo("invoice<U+202E>fdp.exe");
        // the start: a time to the millisecond, not 19 digits of ns of which the last ones are wrong
        String start = driver.findElement(By.xpath("//table[@id='span-fields']//tr[td[1]='start']/td[2]")).getText();
        assertThat(start).containsPattern("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} UTC").doesNotContainPattern("\\d{13}");
    }

    @Test
    void durationsReadInUnitsAPersonUses() throws Exception {
        long slow = newId();
        long instant = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        send(List.of(new S(slow, 1, 0).service("web-slow").name("batch").resource("yearly job")
                .start(now - 34_560_001_000_000_000L).duration(34_560_001_000_000_000L)));
        send(List.of(new S(instant, 1, 0).service("web-instant").name("noop").resource("nothing").start(now - 1000).duration(0)));
        open("#/trace/" + slow);
        awaitShown(".trace-head", "400.0 d");
        assertThat(driver.findElement(By.cssSelector(".trace-head")).getText()).contains("1 span · 1 service");
        open("#/trace/" + instant);
        awaitShown("#waterfall", "web-instant");
        assertThat(driver.findElements(By.cssSelector(".ruler .tick"))).extracting(WebElement::getText).containsExactly("0");
    }

    @Test
    void aRefreshKeepsFocusAndScrollAndOnlyTheStatusLineIsLive() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < 30; i++) {
            send(List.of(new S(newId(), 1, 0).service("web-many").name("servlet.request").resource("GET /many/" + i)
                    .start(now - 50_000_000L + i).duration(1_000_000L)));
        }
        resize(800, 600);
        open("#/service/web-many");
        awaitShown("#traces-table", "GET /many/29");
        assertThat(driver.findElement(By.id("app")).getAttribute("aria-live")).as("the whole page is not re-read").isNull();
        awaitShown("#status", "web-many: 30 resources, 30 traces"); // role=status: polite, for screen readers only

        WebElement link = driver.findElement(By.cssSelector("#traces-table tbody tr:nth-child(12) a"));
        String href = link.getAttribute("href");
        js("arguments[0].focus(); window.scrollTo(0, 400);", link);
        String updated = driver.findElement(By.id("foot")).getText();
        await().atMost(Duration.ofSeconds(15)).until(() -> !driver.findElement(By.id("foot")).getText().equals(updated));
        assertThat(driver.switchTo().activeElement().getAttribute("href")).as("focus after a refresh").isEqualTo(href);
        assertThat(jsLong("return Math.round(scrollY)")).isEqualTo(400);

        // the keyboard reaches the resources: a link, Enter opens it, and the chosen row stands out
        driver.findElement(By.cssSelector("#resources-table a")).sendKeys(Keys.ENTER);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(
                driver.findElement(By.cssSelector("tr.resource-row.selected")).getCssValue("background-color")).isNotIn("rgba(0, 0, 0, 0)", "transparent"));
    }

    @Test
    void theChartBreaksWhereNoTrafficWasAndOnePointHasOneTime() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        for (long ago : new long[] {180, 120, 0}) { // three minutes, two minutes and a moment ago
            send(List.of(new S(newId(), 1, 0).service("web-gaps").name("servlet.request").resource("GET /gaps")
                    .start(now - ago * 1_000_000_000L - 10_000_000L).duration(5_000_000L)));
        }
        send(List.of(new S(newId(), 1, 0).service("web-once").name("servlet.request").resource("GET /once")
                .start(now - 10_000_000L).duration(5_000_000L)));
        open("#/service/web-gaps");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("svg.chart path.series"))).hasSize(3));
        for (WebElement line : driver.findElements(By.cssSelector("svg.chart path.series"))) {
            assertThat(line.getAttribute("d")).as("three pieces, no line across the minutes without traffic")
                    .doesNotContain("L").matches("(M[0-9.]+,[0-9.]+ ?){3}");
        }
        open("#/service/web-once");
        awaitShown("h1", "web-once");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElements(By.cssSelector("svg.chart text")).stream().map(WebElement::getText)
                        .filter(t -> t.matches(".*\\d:\\d\\d:\\d\\d.*"))).as("the times along the axis").hasSize(1));
    }

    @Test
    void noFaviconIsAskedFor() {
        driver.manage().logs().get(LogType.BROWSER); // what earlier tests logged (their own 404s): read, so dropped
        driver.get("about:blank"); // a page load of its own, not a change of the address's #
        open("#/");
        awaitShown("h1", "Services");
        assertThat(driver.findElement(By.cssSelector("link[rel=icon]")).getAttribute("href")).startsWith("data:image/svg+xml");
        assertThat(driver.manage().logs().get(LogType.BROWSER).getAll()).extracting(LogEntry::getMessage)
                .noneMatch(m -> m.contains("favicon") || m.contains("404"));
    }

    /** A second collector (other settings, so another Spring context), with nothing in it. */
    @Nested
    @TestPropertySource(properties = {"collector.span-budget=54321", "collector.stats-retention=5m"})
    class AnEmptyCollector {
        @LocalServerPort
        int emptyPort;

        /** The page names the stats retention this collector has, not the default's 30 minutes. */
        @Test
        void saysHowLongItKeepsStatistics() {
            driver.get("http://127.0.0.1:" + emptyPort + "/#/service/nobody-here");
            awaitShown("#app", "No statistics for this service in the last 5 minutes.");
        }

        @Test
        void saysWhereToSendTracesWithItsOwnAddress() {
            driver.get("http://127.0.0.1:" + emptyPort + "/");
            awaitShown("#app", "No services yet. Point a tracer at this collector (DD_TRACE_AGENT_URL=http://127.0.0.1:" + emptyPort + ")");
        }
    }

    /** A collector of its own (another span budget, so another Spring context): emptying it empties no other test's. */
    @Nested
    @TestPropertySource(properties = "collector.span-budget=65432")
    class ACollectorToEmpty {
        @LocalServerPort
        int ownPort;

        @Test
        void removeAllTracesAsksFirstThenEmptiesTheListAndTheServices() throws Exception {
            long now = System.currentTimeMillis() * 1_000_000L;
            byte[] twoTraces = TestPayloads.v04(List.of(
                    List.of(new S(newId(), 1, 0).service("web-emptied").resource("GET /beers").start(now).duration(1_000_000)),
                    List.of(new S(newId(), 1, 0).service("web-emptied").resource("GET /donuts").start(now).duration(1_000_000))));
            assertThat(HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ownPort + "/v0.4/traces"))
                    .header("Content-Type", "application/msgpack").PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(twoTraces)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            driver.get("http://127.0.0.1:" + ownPort + "/#/traces");
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(2));

            clickWhenShown("remove-all"); // and cancel: nothing is removed
            assertThat(driver.switchTo().alert().getText()).isEqualTo("Remove every stored trace, and the services' statistics, from the collector?");
            driver.switchTo().alert().dismiss();
            assertThat(driver.findElements(By.cssSelector("#traces-table tbody tr"))).hasSize(2);

            clickWhenShown("remove-all");
            driver.switchTo().alert().accept();
            awaitShown("#app", "No traces stored yet.");
            awaitShown("#status", "Removed 2 traces.");
            driver.findElement(By.id("nav-services")).click();
            awaitShown("#app", "No services yet.");
        }
    }

    /** Puts {@code text} in the trace id box at the top and submits it, as a paste and Enter would. */
    private static void paste(String text) {
        js("const i = document.getElementById('goto-id'); i.value = arguments[0]; i.form.requestSubmit();", text);
    }

    private static void assertNoAlert() {
        try {
            String text = driver.switchTo().alert().getText();
            throw new AssertionError("an alert ran: " + text);
        } catch (NoAlertPresentException expected) {
            // good: nothing ran
        }
    }

    @SuppressWarnings("unused")
    private static String text(WebElement e) {
        return e.getText();
    }

    /** The window's size; the page's viewport is what {@code innerWidth}/{@code innerHeight} say. */
    private static void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    private void open(String hash) {
        driver.get("http://127.0.0.1:" + port + "/" + hash);
    }

    @SuppressWarnings("unchecked")
    private static <T> T js(String script, Object... args) {
        return (T) ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static long jsLong(String script, Object... args) {
        return ((Number) js(script, args)).longValue();
    }

    private void send(List<S> spans) throws Exception {
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(spans))).statusCode()).isEqualTo(200);
    }

    /** {@code n} one-span traces of {@code service}, in one payload, with the resources {@code prefix}0 to n-1. */
    private void sendOneTracePerResource(String service, String prefix, int n) throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<List<S>> traces = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            traces.add(List.of(new S(newId(), 1, 0).service(service).resource(prefix + i).start(now).duration(1_000_000)));
        }
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(traces)).statusCode()).isEqualTo(200);
    }

    private static void awaitShown(String css, String text) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(driver.findElement(By.cssSelector(css)).getText()).contains(text));
    }

    /** Nothing of the page lies right of the window: no horizontal scrolling, {@code css}'s elements end inside. */
    private static void assertWithinWindow(String what, String css) {
        long inner = jsLong("return document.documentElement.clientWidth");
        assertThat(jsLong("return document.documentElement.scrollWidth")).as(what + ": page width").isLessThanOrEqualTo(inner);
        assertThat(jsLong("return Math.max(0, ...[...document.querySelectorAll(arguments[0])]"
                + ".map(e => Math.ceil(e.getBoundingClientRect().right)))", css)).as(what + ": right edge of " + css)
                .isLessThanOrEqualTo(inner);
    }
}
