package io.ironlb.lab;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab API server's front: serves what kubectl needs and the mock's CRUD mode lacks, and hands
 * everything else to the mock.
 *
 * <ul>
 *   <li>discovery ({@code /version}, {@code /api}, {@code /apis}, {@code /api/v1},
 *       {@code /apis/G}, {@code /apis/G/V}) from {@link Discovery}, including stored CRDs;
 *   <li>server-side printing: a {@code meta.k8s.io/v1} Table when kubectl asks for one
 *       ({@link Tables});
 *   <li>PATCH: JSON merge patch and strategic merge patch applied here ({@link Patches}) and stored
 *       with an update (the mock appends arrays on merge patch and refuses strategic merge); JSON
 *       Patch goes to the mock; server-side apply is refused with a message that says what works;
 *   <li>field selectors on lists, evaluated here (the mock only knows {@code metadata.name});
 *   <li>{@code pods/NAME/log} from the log file named by the pod's {@value #LOG_ANNOTATION}
 *       annotation, so {@code kubectl logs -l component=speaker | grep announcing} works.
 * </ul>
 */
public final class LabDispatcher extends Dispatcher {

  public static final String LOG_ANNOTATION = "lab.ironlb.io/log-file";
  private static final Logger LOG = LoggerFactory.getLogger(LabDispatcher.class);
  private static final String JSON = "application/json";

  private final Dispatcher crud;
  private volatile String serverAddress = "127.0.0.1:6443";

  public LabDispatcher(Dispatcher crud) {
    this.crud = crud;
  }

  public void serverAddress(String hostPort) {
    this.serverAddress = hostPort;
  }

  @Override
  public MockResponse dispatch(RecordedRequest req) {
    try {
      return route(req);
    } catch (RuntimeException e) {
      LOG.warn("request failed: {} {}", req.getMethod(), req.getPath(), e);
      return status(500, "InternalError", "IronLB lab API server: " + e);
    }
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  private MockResponse route(RecordedRequest req) {
    String full = req.getPath();
    int q = full.indexOf('?');
    String path = stripSlash(q < 0 ? full : full.substring(0, q));
    Map<String, String> query = query(q < 0 ? "" : full.substring(q + 1));
    HttpMethod method = req.method();

    if (method == HttpMethod.GET) {
      Optional<MockResponse> fixed = discovery(path);
      if (fixed.isPresent()) {
        return fixed.get();
      }
      if (path.matches("/api/v1/namespaces/[^/]+/pods/[^/]+/log")) {
        return podLog(path, query);
      }
    }
    if (method == HttpMethod.PATCH) {
      return patch(req, path, query);
    }
    boolean watch = "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
    if (method == HttpMethod.GET && !watch) {
      String fieldSelector = query.get("fieldSelector");
      boolean table = String.valueOf(req.getHeader("Accept")).contains("as=Table");
      if ((fieldSelector != null && !fieldSelector.isBlank()) || table || isCollection(path)) {
        return getFilteredOrTable(req, path, query, fieldSelector, table);
      }
    }
    return withJsonType(crud.dispatch(req));
  }

  // ---- discovery

  private Optional<MockResponse> discovery(String path) {
    if (path.equals("/version")) {
      return Optional.of(json(200, Discovery.version()));
    }
    if (path.equals("/healthz") || path.equals("/readyz") || path.equals("/livez")) {
      return Optional.of(new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody("ok"));
    }
    if (path.equals("/openapi/v2")) {
      // An empty OpenAPI v2 document (protobuf, as kubectl asks): kubectl's client-side validation then
      // finds no schema for any type and skips it, which is the truth here (the mock enforces none), so
      // `kubectl apply -f` works without --validate=false. Strategic merge falls back to kubectl's built-in types.
      return Optional.of(new MockResponse().setResponseCode(200)
          .setHeader("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf").setBody(new byte[0]));
    }
    if (path.startsWith("/openapi/") || path.startsWith("/swagger")) {
      return Optional.of(status(404, "NotFound", "the IronLB lab API server serves no OpenAPI v3 schema"));
    }
    if (path.equals("/api")) {
      return Optional.of(json(200, Discovery.apiVersions(serverAddress)));
    }
    if (path.equals("/apis")) {
      return Optional.of(json(200, Discovery.groupList(resources())));
    }
    if (path.equals("/api/v1")) {
      return Discovery.resourceList("v1", resources()).map(m -> json(200, m));
    }
    String[] s = path.split("/");
    if (s.length == 3 && s[1].equals("apis")) {
      return Optional.of(Discovery.group(s[2], resources()).map(m -> json(200, m))
          .orElseGet(() -> status(404, "NotFound", "the server could not find the requested resource")));
    }
    if (s.length == 4 && s[1].equals("apis")) {
      return Optional.of(Discovery.resourceList(s[2] + "/" + s[3], resources()).map(m -> json(200, m))
          .orElseGet(() -> status(404, "NotFound", "the server could not find the requested resource")));
    }
    return Optional.empty();
  }

  /** Built-in resources plus those of the stored CRDs. */
  public List<Discovery.Resource> resources() {
    List<Discovery.Resource> all = new ArrayList<>(Discovery.BUILT_IN);
    MockResponse r = call(HttpMethod.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", null);
    if (r.code() == 200) {
      all.addAll(Discovery.fromCrds(Json.list(Json.parse(body(r)), "items")));
    }
    return all;
  }

  // ---- GET with field selectors and tables

  private MockResponse getFilteredOrTable(RecordedRequest req, String path, Map<String, String> query, String fieldSelector, boolean table) {
    Map<String, String> rest = new LinkedHashMap<>(query);
    rest.remove("fieldSelector");
    MockResponse r = call(HttpMethod.GET, path + encode(rest), null);
    if (r.code() != 200) {
      return withJsonType(r);
    }
    Map<String, Object> doc = Json.parse(body(r));
    if (fieldSelector != null && !fieldSelector.isBlank() && doc.get("items") instanceof List<?> items) {
      List<Object> kept = new ArrayList<>();
      for (Object item : items) {
        if (FieldSelector.matches(fieldSelector, item)) {
          kept.add(item);
        }
      }
      doc.put("items", kept);
    }
    Optional<Discovery.Resource> listed = isCollection(path) ? Discovery.forPath(path, resources()) : Optional.empty();
    if (listed.isPresent() && "List".equals(doc.get("kind"))) {
      // The mock answers every list as kind "List"; kubectl decodes a typed list (PodList, ...) and
      // panics on the generic one (kubectl logs -l ...).
      doc.put("kind", listed.get().kind() + "List");
      doc.put("apiVersion", listed.get().groupVersion());
    }
    if (table) {
      Optional<Discovery.Resource> res = Discovery.forPath(path, resources());
      if (res.isPresent()) {
        boolean includeObject = "Object".equals(query.get("includeObject"));
        return json(200, Tables.table(doc, res.get(), includeObject, Instant.now()));
      }
    }
    return json(200, doc);
  }

  /** A list path: {@code /api/v1/pods}, {@code /api/v1/namespaces/x/pods}, {@code /apis/g/v/namespaces/x/kinds}. */
  private static boolean isCollection(String path) {
    String[] s = path.split("/");
    int base = s.length > 1 && s[1].equals("api") ? 3 : 4; // index of the first segment after the version
    int rest = s.length - base;
    return rest == 1 || (rest == 3 && s[base].equals("namespaces"));
  }

  // ---- PATCH

  private MockResponse patch(RecordedRequest req, String path, Map<String, String> query) {
    String type = String.valueOf(req.getHeader("Content-Type")).split(";")[0].strip();
    if (type.equals("application/json-patch+json")) {
      return withJsonType(crud.dispatch(req));
    }
    if (type.equals("application/apply-patch+yaml") || type.equals("application/apply-patch+cbor")) {
      return status(415, "UnsupportedMediaType", "server-side apply is not supported by the IronLB lab API server: "
          + "use client-side kubectl apply (without --server-side), kubectl patch, or an update");
    }
    boolean strategic = type.equals("application/strategic-merge-patch+json");
    if (!strategic && !type.equals("application/merge-patch+json")) {
      return status(415, "UnsupportedMediaType", "unsupported patch type " + type);
    }
    String patchBody = new String(req.getBody().getBytes(), StandardCharsets.UTF_8);
    Object patchDoc = Json.parseAny(patchBody);
    String mainPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
    for (int attempt = 0; attempt < 5; attempt++) {
      MockResponse current = call(HttpMethod.GET, mainPath, null);
      if (current.code() != 200) {
        return withJsonType(current);
      }
      Map<String, Object> obj = Json.parse(body(current));
      Map<String, Object> merged;
      if (strategic) {
        if (!(patchDoc instanceof Map<?, ?>)) {
          return status(400, "BadRequest", "a strategic merge patch must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) patchDoc;
        merged = Patches.strategicMergePatch(obj, p);
      } else {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Patches.mergePatch(obj, patchDoc) instanceof Map<?, ?> mm ? (Map<String, Object>) mm : obj;
        merged = m;
      }
      Map<String, Object> meta = Json.map(merged, "metadata");
      Object patchRv = Json.at(patchDoc, "metadata.resourceVersion");
      if (patchRv == null && !meta.isEmpty()) {
        // The patch did not ask for a precondition: update against what was just read.
        meta.put("resourceVersion", Json.at(obj, "metadata.resourceVersion"));
      }
      if (query.containsKey("dryRun")) {
        return json(200, merged);
      }
      MockResponse put = call(HttpMethod.PUT, path, Json.write(merged));
      if (put.code() == 409 && patchRv == null) {
        continue;
      }
      return withJsonType(put);
    }
    return status(409, "Conflict", "the object kept changing while the patch was applied; try again");
  }

  // ---- pods/log

  private MockResponse podLog(String path, Map<String, String> query) {
    String podPath = path.substring(0, path.length() - "/log".length());
    MockResponse pod = call(HttpMethod.GET, podPath, null);
    if (pod.code() != 200) {
      return withJsonType(pod);
    }
    String file = annotation(Json.parse(body(pod)), LOG_ANNOTATION);
    if (file == null) {
      return status(400, "BadRequest", "this pod has no log in the lab (no " + LOG_ANNOTATION + " annotation)");
    }
    String text;
    try {
      text = Files.exists(Path.of(file)) ? Files.readString(Path.of(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return status(500, "InternalError", "cannot read " + file + ": " + e.getMessage());
    }
    String tail = query.get("tailLines");
    if (tail != null && tail.matches("\\d+")) {
      List<String> lines = text.lines().toList();
      int n = Integer.parseInt(tail);
      text = String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size())) + (lines.isEmpty() ? "" : "\n");
    }
    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(text);
  }

  private static String annotation(Map<String, Object> obj, String key) {
    Object v = Json.map(obj, "metadata.annotations").get(key);
    return v == null ? null : v.toString();
  }

  // ---- helpers

  private MockResponse call(HttpMethod method, String path, String body) {
    Headers headers = Headers.builder().add("Content-Type", JSON).add("Accept", JSON).build();
    Buffer buffer = body == null ? new Buffer() : new Buffer(body.getBytes(StandardCharsets.UTF_8));
    return crud.dispatch(new RecordedRequest("HTTP/1.1", method, path, headers, buffer));
  }

  private static String body(MockResponse r) {
    return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private static MockResponse withJsonType(MockResponse r) {
    if (r.getWebSocketListener() == null && r.header("Content-Type") == null) {
      r.setHeader("Content-Type", JSON);
    }
    return r;
  }

  public static MockResponse json(int code, Object doc) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(Json.write(doc));
  }

  public static MockResponse status(int code, String reason, String message) {
    return json(code, Json.obj("kind", "Status", "apiVersion", "v1", "metadata", Json.obj(), "status", "Failure",
        "message", message, "reason", reason, "code", code));
  }

  private static String stripSlash(String p) {
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  public static Map<String, String> query(String q) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : q.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

  private static String encode(Map<String, String> q) {
    if (q.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("?");
    q.forEach((k, v) -> {
      if (sb.length() > 1) {
        sb.append('&');
      }
      sb.append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8));
    });
    return sb.toString();
  }
}
