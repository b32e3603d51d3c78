print("kv-server")
