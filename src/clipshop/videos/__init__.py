"""Videos: resumable uploads, drafts, transcoding to an HLS ladder, publishing and playback."""
