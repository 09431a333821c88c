package io.ironlb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The benchmarks' {@code --json FILE} option: result files that {@code bench/run}'s report reads. */
public final class BenchJson {

  private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private BenchJson() {}

  /** Removes {@code name FILE} from {@code args} and returns FILE, or null when the option is absent. */
  public static Path takeOption(List<String> args, String name) {
    int i = args.indexOf(name);
    if (i < 0) {
      return null;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a file name");
    }
    Path file = Path.of(args.get(i + 1));
    args.remove(i + 1);
    args.remove(i);
    return file;
  }

  /** Writes {@code tree} (maps, lists, numbers, strings) as indented JSON, replacing the file whole. */
  public static void write(Path file, Object tree) throws IOException {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, MAPPER.writeValueAsString(tree) + "\n");
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static Object read(Path file) throws IOException {
    return MAPPER.readValue(Files.readString(file), Object.class);
  }
}
