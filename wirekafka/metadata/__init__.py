"""The cluster's metadata as an immutable image, rebuilt by applying metadata records."""
