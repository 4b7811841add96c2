//! A real SMTP server (mailin-embedded) for email tests, on a free loopback port.

use std::net::TcpListener;

use mailin_embedded::{Handler, Server, SslConfig};

/// Serves SMTP without TLS on `127.0.0.1` with `handler` deciding every answer, in a
/// background thread that lives as long as the test process; returns the port.
///
/// # Panics
/// When no loopback port can be had (a test machine that cannot run the test at all).
pub fn serve_smtp<H: Handler + Clone + Send + 'static>(handler: H) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let port = listener.local_addr().expect("the bound address").port();
    let mut server = Server::new(handler);
    server
        .with_name("smtp.test")
        .with_ssl(SslConfig::None)
        .expect("SMTP without TLS")
        // Each thread serves one connection at a time, and every mailer keeps a few pooled
        // connections open: enough for two digest runs at once (8) plus one held stalled.
        .with_num_threads(12)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    port
}
