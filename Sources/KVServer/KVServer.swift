// KVServer
