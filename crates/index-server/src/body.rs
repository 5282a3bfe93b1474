//! Response bodies: bytes in memory (pages) or a byte range of a file streamed in chunks
//! (wheels; a 1 GB wheel must not be read into memory per client).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// Read and sent at a time: what one connection holds in memory while sending a file (64 KiB
/// keeps 500 concurrent downloads within a few tens of MiB; loopback throughput is the same).
const CHUNK: usize = 64 * 1024;

/// A response body.
pub enum Body {
    Empty,
    Bytes(Option<Bytes>),
    File {
        file: tokio::fs::File,
        remaining: u64,
        buf: Vec<u8>,
    },
}

impl Body {
    pub fn bytes(data: impl Into<Bytes>) -> Body {
        Body::Bytes(Some(data.into()))
    }

    /// `len` bytes of `file` from its current position.
    pub fn file(file: tokio::fs::File, len: u64) -> Body {
        Body::File {
            file,
            remaining: len,
            buf: Vec::new(),
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Body::Empty => Poll::Ready(None),
            Body::Bytes(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::File {
                file,
                remaining,
                buf,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = (*remaining).min(CHUNK as u64) as usize;
                buf.resize(want, 0);
                let mut read = ReadBuf::new(&mut buf[..want]);
                match Pin::new(file).poll_read(cx, &mut read) {
                    Poll::Ready(Ok(())) => {
                        let got = read.filled().len();
                        if got == 0 {
                            // The file shrank under us: end the response short rather than hang.
                            return Poll::Ready(Some(Err(std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                "file shorter than announced",
                            ))));
                        }
                        *remaining -= got as u64;
                        Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(read.filled())))))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Bytes(d) => d.is_none(),
            Body::File { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Empty => SizeHint::with_exact(0),
            Body::Bytes(d) => SizeHint::with_exact(d.as_ref().map_or(0, |d| d.len() as u64)),
            Body::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}
