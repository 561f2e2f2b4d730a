{
  "targets": [
    {
      "target_name": "leitung_media_batch",
      "sources": ["native/media_batch.c", "native/media_table.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-pthread"],
      "libraries": ["-pthread"]
    }
  ]
}
