package io.donuttracing.tracing.contrib;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one rule the servlet filter (without a route pattern) and the HTTP client interceptor name resources by. */
class HttpResourceNamesTest {
  @Test
  void segmentsHoldingDigitsBecomeAQuestionMark() {
    assertThat(HttpResourceNames.resource("GET", "/users/123")).isEqualTo("GET /users/?");
    assertThat(HttpResourceNames.resource("GET", "/user/1/repo/50/")).isEqualTo("GET /user/?/repo/?/");
    assertThat(HttpResourceNames.resource("POST", "/a1/b-2/c.3/d_e")).isEqualTo("POST /?/?/?/d_e");
    assertThat(HttpResourceNames.resource("GET", "/1")).isEqualTo("GET /?");
    assertThat(HttpResourceNames.resource("GET", "//x//9")).isEqualTo("GET //x//?");
    assertThat(HttpResourceNames.resource("GET", "a/1")).isEqualTo("GET a/?");
    assertThat(HttpResourceNames.resource("GET", "")).isEqualTo("GET /");
    assertThat(HttpResourceNames.resource("GET", null)).isEqualTo("GET /");
  }

  @Test
  void anApiVersionIsKeptAsDdTraceJavaKeepsIt() {
    assertThat(HttpResourceNames.resource("GET", "/v1/users/123")).isEqualTo("GET /v1/users/?");
    assertThat(HttpResourceNames.resource("GET", "/api/V12/x")).isEqualTo("GET /api/V12/x");
    assertThat(HttpResourceNames.resource("GET", "/v123/v1x/x1/v/1v")).isEqualTo("GET /?/?/?/v/?");
  }

  @Test
  void theDigitsOfAnEscapedCharacterAreNotAnId() {
    assertThat(HttpResourceNames.resource("GET", "/beers/pale%20ale")).isEqualTo("GET /beers/pale%20ale");
    assertThat(HttpResourceNames.resource("GET", "/beers/ipa%2F2")).isEqualTo("GET /beers/?");
    assertThat(HttpResourceNames.resource("GET", "/a%2")).isEqualTo("GET /a%2");
  }

  @Test
  void aPathWithoutDigitsIsKeptAsItIs() {
    String path = "/pair/beer/";
    assertThat(HttpResourceNames.normalize(path)).isSameAs(path);
    assertThat(HttpResourceNames.normalize("/")).isEqualTo("/");
  }
}
