//! HTTP client for PiAPI's account and task endpoints (being built).
