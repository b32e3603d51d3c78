// KVWire
