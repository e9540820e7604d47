"""The embedded admin's optional auth mode: an OAuth2 authorization server with its metadata service
and bearer-token interceptor (``server``), and a throwaway certificate authority for TLS (``testca``)."""
