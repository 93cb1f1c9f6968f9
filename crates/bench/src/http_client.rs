//! A minimal HTTP/1.1 keep-alive client for POSTing GraphQL to the server under test: no
//! dependency, nothing between the measurement and the socket.
use anyhow::{Context as _, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Client {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Client {
    pub fn new(addr: &str) -> Self {
        Self { addr: addr.to_owned(), stream: None }
    }

    /// POST /graphql; returns the status and the body.
    pub async fn post_graphql(
        &mut self,
        body: &[u8],
        bearer: Option<&str>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.addr).await.context("connect to the server")?;
            stream.set_nodelay(true)?;
            self.stream = Some(BufReader::new(stream));
        }
        let result = self.exchange(body, bearer).await;
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        body: &[u8],
        bearer: Option<&str>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let stream = self.stream.as_mut().context("no connection")?;
        let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let socket = stream.get_mut();
        socket.write_all(head.as_bytes()).await?;
        socket.write_all(body).await?;

        let mut line = String::new();
        stream.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let mut length = None;
        loop {
            line.clear();
            if stream.read_line(&mut line).await? == 0 {
                bail!("connection closed in the headers");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.context("no content-length")?;
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}
