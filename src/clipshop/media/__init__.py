"""Media: storage, sniffing and probing of uploads, and the HLS transcoding ladder."""
