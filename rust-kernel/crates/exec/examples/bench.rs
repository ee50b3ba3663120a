//! `cargo run --release -p deepalpha-exec --example bench`: the Rust-side figures of
//! `bench/execution.py` without Python (pre-trade checks, matching throughput).

fn main() {
    for (name, ns) in deepalpha_exec::bench::pretrade_ns(1_000_000) {
        println!("{name:16} {ns:8.1} ns");
    }
    for _ in 0..3 {
        let (n, total, matching) = deepalpha_exec::bench::matching_throughput(1_000_000);
        println!(
            "submit + match {:>12.0} orders/s, matching alone {:>12.0} orders/s",
            n as f64 / total,
            n as f64 / matching
        );
    }
}
