# Shared by the benchmark scripts (sourced from the repository root).

# corpus SIZE_MB: generates once, cached in .bench/, a synthetic corpus of
# SIZE_MB megabytes of ALB logs over 24 hours in 5-minute .log.gz files (gz/)
# and the same data in one uncompressed file (plain/all.log); prints its
# directory. Needs .bench/albgen.
corpus() { # $1 = size in MB; prints the corpus directory
  local dir=.bench/corpus-$1-24h
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    .bench/albgen --out "$dir/gz" --mb "$1" --duration 24h > "$dir.truth.json"
    mkdir -p "$dir/plain"
    find "$dir/gz" -name '*.gz' | sort | xargs gzip -dc > "$dir/plain/all.log"
    touch "$dir/.done"
  fi
  echo "$dir"
}

