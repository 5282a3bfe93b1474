//! The floor for the environment-build benchmark: decompress every member of the given wheels
//! and write it under OUT, on every core, and nothing else (no hashing, no RECORD, no
//! staging, no scripts). `cargo run --release --example unpack_floor OUT WHEEL...`

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("usage: unpack_floor OUT WHEEL..."));
    let wheels: Vec<PathBuf> = args.map(PathBuf::from).collect();
    wheels.par_iter().for_each(|wheel| unpack(wheel, &out));
}

fn unpack(wheel: &Path, out: &Path) {
    let file = std::fs::File::open(wheel).unwrap();
    // SAFETY: the benchmark's wheels are not modified while it runs.
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
    let archive = zip::ZipArchive::new(Cursor::new(&map[..])).unwrap();
    let names: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|i| {
            let name = archive.name_for_index(i)?.ok()?.to_string();
            (!name.ends_with('/')).then_some((i, name))
        })
        .collect();
    let dirs: BTreeSet<PathBuf> = names
        .iter()
        .filter_map(|(_, n)| out.join(n).parent().map(Path::to_path_buf))
        .collect();
    for d in dirs {
        std::fs::create_dir_all(d).unwrap();
    }
    names.par_chunks(32).for_each(|chunk| {
        let mut archive = archive.clone();
        let mut buffer = Vec::new();
        for (i, name) in chunk {
            let mut entry = archive.by_index(*i).unwrap();
            buffer.clear();
            entry.read_to_end(&mut buffer).unwrap();
            std::fs::File::create(out.join(name))
                .unwrap()
                .write_all(&buffer)
                .unwrap();
        }
    });
}
