{
  "targets": [
    {
      "target_name": "native_relay",
      "sources": ["relay.c"],
      "cflags": ["-O2", "-Wall"],
      "libraries": ["-lpthread"]
    }
  ]
}
