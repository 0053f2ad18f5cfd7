// Lucene 8 side of the newsdex benchmarks: index the same JSONL, run the same query log
// (newsdex query syntax, translated here), and score the same IR test collections.
// See README.md next to this file for what is measured and how.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.MultiCollector;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollector;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;

public final class NewsdexLucene {
    static final String ENGINE = "lucene-" + Version.LATEST;
    /** Weight of a title match relative to a body match (newsdex TITLE_BOOST). */
    static final float TITLE_BOOST = 1.5f;
    /** Outlets listed in the facet (newsdex OUTLET_FACET_SIZE). */
    static final int OUTLET_FACET_SIZE = 50;
    /** Languages listed in the facet (newsdex LANG_FACET_SIZE). */
    static final int LANG_FACET_SIZE = 100;
    static final Set<String> TITLE_ONLY = Collections.singleton("title");

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        Args a = new Args(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "index":
                index(a);
                break;
            case "query":
                query(a);
                break;
            case "search":
                searchOne(a);
                break;
            case "eval":
                eval(a);
                break;
            case "percolate":
                percolate(a);
                break;
            default:
                usage();
                System.exit(2);
        }
    }

    static void usage() {
        System.err.println(String.join("\n",
                "usage:",
                "  index JSONL INDEXDIR [--stopwords none|english] [--default-lang CODE] [--default-outlet NAME]",
                "  query INDEXDIR QUERYLOG [--threads N] [--rounds R] [--facets] [--limit 10] [--approx-count] [--warmup 1] [--per-query FILE]",
                "  search INDEXDIR QUERY [--facets] [--limit 10]        (one query, human-readable, for checking)",
                "  percolate DOCS.jsonl QUERYLOG [--watches 10000] [--base 5000] [--batch 1000] [--batches 5]",
                "       (MemoryIndex percolation, as Elasticsearch's percolator: every document of the batches against every saved query)",
                "  eval DOCS.jsonl QUERIES.tsv QRELS.tsv [--k 10] [--depth 1000] [--stopwords none|english]",
                "       [--fields combined|newsdex] [--gains auto|binary|graded|cranfield] [--name NAME] [--per-query FILE] [--run FILE]"));
    }

    // ------------------------------------------------------------------ arguments

    static final class Args {
        final List<String> positional = new ArrayList<>();
        final Map<String, String> opts = new HashMap<>();
        static final Set<String> FLAGS = new HashSet<>(Arrays.asList("--facets", "--approx-count"));

        Args(String[] argv) {
            for (int i = 0; i < argv.length; i++) {
                String s = argv[i];
                if (s.startsWith("--")) {
                    int eq = s.indexOf('=');
                    if (eq > 0) {
                        opts.put(s.substring(0, eq), s.substring(eq + 1));
                    } else if (FLAGS.contains(s)) {
                        opts.put(s, "true");
                    } else if (i + 1 < argv.length) {
                        opts.put(s, argv[++i]);
                    } else {
                        die("option " + s + " needs a value");
                    }
                } else {
                    positional.add(s);
                }
            }
        }

        String pos(int i, String what) {
            if (i >= positional.size()) die("missing argument: " + what);
            return positional.get(i);
        }

        String str(String k, String dflt) {
            return opts.getOrDefault(k, dflt);
        }

        int integer(String k, int dflt) {
            String v = opts.get(k);
            if (v == null) return dflt;
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                die(k + " takes a number, not " + v);
                return dflt;
            }
        }

        boolean flag(String k) {
            return opts.containsKey(k);
        }
    }

    static void die(String msg) {
        System.err.println("error: " + msg);
        System.exit(2);
    }

    // ------------------------------------------------------------------ analysis

    /** StandardAnalyzer with no stop words (Lucene 8's own default) or the classic English set. */
    static Analyzer analyzer(String stopwords) {
        switch (stopwords) {
            case "none":
                return new StandardAnalyzer(CharArraySet.EMPTY_SET);
            case "english":
                return new StandardAnalyzer(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
            default:
                die("--stopwords is none or english, not " + stopwords);
                return null;
        }
    }

    /** Language codes as stored and queried: trimmed, lower case, region dropped (en-US -> en). */
    static String normLang(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        int dash = t.indexOf('-');
        return dash > 0 ? t.substring(0, dash) : t;
    }

    // ------------------------------------------------------------------ index

    static void index(Args a) throws IOException {
        Path jsonl = Paths.get(a.pos(0, "JSONL"));
        Path dir = Paths.get(a.pos(1, "INDEXDIR"));
        String stop = a.str("--stopwords", "none");
        String defaultLang = a.opts.get("--default-lang");
        String defaultOutlet = a.opts.get("--default-outlet");
        Analyzer an = analyzer(stop);
        long t0 = System.nanoTime();
        int docs = 0, skipped = 0, undated = 0;
        try (Directory d = FSDirectory.open(dir)) {
            IndexWriterConfig cfg = new IndexWriterConfig(an);
            cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
            cfg.setRAMBufferSizeMB(256);
            cfg.setSimilarity(new BM25Similarity());
            try (IndexWriter w = new IndexWriter(d, cfg); BufferedReader r = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
                String line;
                int lineNo = 0;
                while ((line = r.readLine()) != null) {
                    lineNo++;
                    if (line.isBlank()) continue;
                    Map<String, Object> o;
                    try {
                        Object v = Json.parse(line);
                        if (!(v instanceof Map)) throw new IllegalArgumentException("not an object");
                        @SuppressWarnings("unchecked")
                        Map<String, Object> m = (Map<String, Object>) v;
                        o = m;
                    } catch (RuntimeException e) {
                        System.err.println("line " + lineNo + ": skipped: " + e.getMessage());
                        skipped++;
                        continue;
                    }
                    Document doc = new Document();
                    String id = str(o.get("id"));
                    doc.add(new StringField("id", id == null ? "line-" + lineNo : id, Field.Store.YES));
                    String title = str(o.get("title"));
                    doc.add(new TextField("title", title == null ? "" : title, Field.Store.YES));
                    String body = str(o.get("text"));
                    doc.add(new TextField("body", body == null ? "" : body, Field.Store.NO));
                    String outlet = str(o.get("outlet"));
                    if (outlet == null || outlet.isBlank()) outlet = defaultOutlet;
                    if (outlet != null && !outlet.isBlank()) {
                        outlet = outlet.trim();
                        doc.add(new StringField("outlet", outlet, Field.Store.NO));
                        doc.add(new SortedDocValuesField("outlet", new BytesRef(outlet)));
                        doc.add(new TextField("outlet_text", outlet, Field.Store.NO));
                    }
                    String lang = str(o.get("lang"));
                    if (lang == null || lang.isBlank()) lang = defaultLang;
                    if (lang != null && !lang.isBlank()) {
                        lang = normLang(lang);
                        doc.add(new StringField("lang", lang, Field.Store.NO));
                        doc.add(new SortedDocValuesField("lang", new BytesRef(lang)));
                    }
                    Object pub = o.get("published");
                    Long secs = pub instanceof String ? Dates.parse((String) pub)
                            : pub instanceof Double ? Long.valueOf(((Double) pub).longValue()) : null;
                    if (secs != null) {
                        doc.add(new LongPoint("published", secs));
                        doc.add(new NumericDocValuesField("published", secs));
                    } else {
                        undated++;
                    }
                    w.addDocument(doc);
                    docs++;
                }
                Map<String, String> user = new HashMap<>();
                user.put("stopwords", stop);
                user.put("engine", ENGINE);
                w.setLiveCommitData(user.entrySet());
                w.commit();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes;
        try (Stream<Path> s = Files.walk(dir)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        if (skipped > 0) System.err.println(skipped + " lines skipped");
        System.err.println(undated + " documents without a parseable published date");
        System.out.println("{\"engine\":\"" + ENGINE + "\",\"docs\":" + docs + ",\"seconds\":" + fmt(secs, 3)
                + ",\"docs_per_s\":" + fmt(docs / secs, 1) + ",\"index_bytes\":" + bytes
                + ",\"indexing_threads\":1,\"stopwords\":\"" + stop + "\"}");
    }

    static String str(Object v) {
        if (v == null) return null;
        if (v instanceof String) return (String) v;
        if (v instanceof Double) {
            double d = (Double) v;
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }
        return v.toString();
    }

    // ------------------------------------------------------------------ query benchmark

    static final class Searcher {
        final IndexSearcher searcher;
        final Translator translator;
        final int limit;
        final boolean facets;
        final int countThreshold;

        Searcher(IndexSearcher searcher, Translator translator, int limit, boolean facets, boolean approxCount) {
            this.searcher = searcher;
            this.translator = translator;
            this.limit = limit;
            this.facets = facets;
            this.countThreshold = approxCount ? 1000 : Integer.MAX_VALUE;
        }

        Result run(Query q) throws IOException {
            TopScoreDocCollector top = TopScoreDocCollector.create(limit, countThreshold);
            FacetCollector fc = null;
            if (facets) {
                fc = new FacetCollector();
                searcher.search(q, MultiCollector.wrap(top, fc));
            } else {
                searcher.search(q, top);
            }
            TopDocs td = top.topDocs();
            String[] titles = new String[td.scoreDocs.length];
            for (int i = 0; i < titles.length; i++) {
                titles[i] = searcher.doc(td.scoreDocs[i].doc, TITLE_ONLY).get("title");
            }
            return new Result(td, titles, fc == null ? null : fc.result());
        }
    }

    static final class Result {
        final TopDocs top;
        final String[] titles;
        final Facets facets;

        Result(TopDocs top, String[] titles, Facets facets) {
            this.top = top;
            this.titles = titles;
            this.facets = facets;
        }
    }

    static IndexSearcher openSearcher(DirectoryReader reader) {
        IndexSearcher s = new IndexSearcher(reader);
        s.setSimilarity(new BM25Similarity());
        return s;
    }

    static String indexStopwords(DirectoryReader reader) throws IOException {
        return reader.getIndexCommit().getUserData().getOrDefault("stopwords", "none");
    }

    static void query(Args a) throws Exception {
        Path dir = Paths.get(a.pos(0, "INDEXDIR"));
        Path log = Paths.get(a.pos(1, "QUERYLOG"));
        int threads = a.integer("--threads", 1);
        int rounds = a.integer("--rounds", 1);
        int limit = a.integer("--limit", 10);
        boolean facets = a.flag("--facets");
        if (threads < 1 || rounds < 1 || limit < 1) die("--threads, --rounds and --limit must be at least 1");
        try (Directory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            Analyzer an = analyzer(indexStopwords(reader));
            Translator tr = new Translator(an);
            Searcher s = new Searcher(openSearcher(reader), tr, limit, facets, a.flag("--approx-count"));
            List<Query> queries = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            int unparsed = 0;
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    queries.add(tr.translate(line));
                    texts.add(line);
                } catch (QuerySyntaxException e) {
                    unparsed++;
                    System.err.println("unparsed: " + line + "  -- " + e.getMessage());
                }
            }
            if (queries.isEmpty()) die("no query could be translated");
            Query[] qs = queries.toArray(new Query[0]);
            int warmup = a.integer("--warmup", 1);
            if (warmup > 0) runPasses(s, qs, qs.length * warmup, threads); // warm-up: whole passes over the log
            int total = qs.length * rounds;
            long[] lat = new long[total];
            long wall = runPasses(s, qs, total, threads, lat);
            String perQuery = a.opts.get("--per-query");
            if (perQuery != null) writePerQuery(Paths.get(perQuery), s, qs, texts, lat);
            Arrays.sort(lat);
            double wallS = wall / 1e9;
            System.out.println("{\"engine\":\"" + ENGINE + "\",\"threads\":" + threads + ",\"searches\":" + total
                    + ",\"p50_ms\":" + fmt(pct(lat, 0.50) / 1e6, 3) + ",\"p95_ms\":" + fmt(pct(lat, 0.95) / 1e6, 3)
                    + ",\"p99_ms\":" + fmt(pct(lat, 0.99) / 1e6, 3) + ",\"qps\":" + fmt(total / wallS, 1)
                    + ",\"facets\":" + facets + ",\"unparsed\":" + unparsed + ",\"rounds\":" + rounds + ",\"warmup_passes\":" + warmup
                    + ",\"limit\":" + limit + ",\"exact_total_hits\":" + !a.flag("--approx-count")
                    + ",\"wall_s\":" + fmt(wallS, 3) + "}");
        }
    }

    /**
     * Percolation the way Elasticsearch's percolator does it: each new document is put alone
     * in a MemoryIndex and every saved query is run against it. The saved queries are built
     * from the query log exactly as newsdex-bench's `watches` builds its watches (each line
     * alone, then pairs joined by OR and by AND), and the documents are the same lines of the
     * same corpus (after the first --base, --batches of --batch).
     */
    static void percolate(Args a) throws Exception {
        Path docs = Paths.get(a.pos(0, "DOCS.jsonl"));
        Path log = Paths.get(a.pos(1, "QUERYLOG"));
        int watches = a.integer("--watches", 10000);
        int base = a.integer("--base", 5000);
        int batch = a.integer("--batch", 1000);
        int batches = a.integer("--batches", 5);
        Analyzer an = analyzer("none");
        Translator tr = new Translator(an);
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) if (!l.isBlank()) lines.add(l.trim());
        List<Query> qs = new ArrayList<>();
        int n = lines.size(), skipped = 0;
        outer:
        for (int round = 0; ; round++) {
            for (int i = 0; i < n; i++) {
                String q;
                if (round == 0) q = lines.get(i);
                else {
                    int j = (i + round * 7 + 1) % n;
                    q = round % 2 == 1 ? "(" + lines.get(i) + ") OR (" + lines.get(j) + ")" : "(" + lines.get(i) + ") (" + lines.get(j) + ")";
                }
                try {
                    qs.add(tr.translate(q));
                } catch (QuerySyntaxException e) {
                    skipped++;
                }
                if (qs.size() == watches) break outer;
            }
        }
        List<String> all = Files.readAllLines(docs, StandardCharsets.UTF_8);
        if (all.size() < base + batch * batches) die("fewer documents than asked");
        long matches = 0, t0 = System.nanoTime();
        int done = 0;
        for (int k = base; k < base + batch * batches; k++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) Json.parse(all.get(k));
            org.apache.lucene.index.memory.MemoryIndex mi = new org.apache.lucene.index.memory.MemoryIndex();
            String title = str(o.get("title")), body = str(o.get("text"));
            mi.addField("title", title == null ? "" : title, an);
            mi.addField("body", body == null ? "" : body, an);
            org.apache.lucene.search.IndexSearcher searcher = mi.createSearcher();
            for (Query q : qs) if (searcher.count(q) > 0) matches++;
            done++;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.println("{\"engine\":\"" + ENGINE + " MemoryIndex\",\"watches\":" + qs.size() + ",\"skipped\":" + skipped
                + ",\"docs\":" + done + ",\"seconds\":" + fmt(secs, 3) + ",\"docs_per_s\":" + fmt(done / secs, 1)
                + ",\"doc_watch_pairs_per_s\":" + fmt((double) done * qs.size() / secs, 0) + ",\"matches\":" + matches + "}");
    }

    /** TSV per log line: total hits, hits shown, mean and max latency over the timed rounds, the query. */
    static void writePerQuery(Path out, Searcher s, Query[] qs, List<String> texts, long[] lat) throws IOException {
        StringBuilder b = new StringBuilder("n\ttotal_hits\ttop\tmean_ms\tmax_ms\tquery\tlucene_query\n");
        int rounds = lat.length / qs.length;
        for (int i = 0; i < qs.length; i++) {
            long sum = 0, max = 0;
            for (int r = 0; r < rounds; r++) {
                long v = lat[r * qs.length + i];
                sum += v;
                max = Math.max(max, v);
            }
            Result res = s.run(qs[i]);
            b.append(i + 1).append('\t').append(res.top.totalHits.value).append(res.top.totalHits.relation == TotalHits.Relation.EQUAL_TO ? "" : "+")
                    .append('\t').append(res.top.scoreDocs.length).append('\t').append(fmt(sum / 1e6 / rounds, 3))
                    .append('\t').append(fmt(max / 1e6, 3)).append('\t').append(texts.get(i)).append('\t').append(qs[i]).append('\n');
        }
        Files.write(out, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Nearest-rank percentile of sorted values: the ceil(p*n)-th smallest. */
    static long pct(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static long runPasses(Searcher s, Query[] qs, int total, int threads) throws Exception {
        return runPasses(s, qs, total, threads, null);
    }

    /**
     * Run searches 0..total-1 (search i is qs[i % qs.length]) on `threads` threads that take the next
     * search from a shared counter. Returns the wall time in ns; fills lat[i] with search i's latency.
     */
    static long runPasses(Searcher s, Query[] qs, int total, int threads, long[] lat) throws Exception {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        long t0 = System.nanoTime();
                        s.run(qs[i % qs.length]);
                        long dt = System.nanoTime() - t0;
                        if (lat != null) lat[i] = dt;
                    }
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            }, "search-" + t);
            ts[t].start();
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : ts) t.join();
        long wall = System.nanoTime() - t0;
        if (failure[0] != null) throw new RuntimeException("a search failed", failure[0]);
        return wall;
    }

    /** One query, printed for people: the Lucene query, total hits, top titles, facets. */
    static void searchOne(Args a) throws Exception {
        Path dir = Paths.get(a.pos(0, "INDEXDIR"));
        String text = a.pos(1, "QUERY");
        try (Directory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            Translator tr = new Translator(analyzer(indexStopwords(reader)));
            Query q;
            try {
                q = tr.translate(text);
            } catch (QuerySyntaxException e) {
                System.out.println("unparsed: " + e.getMessage());
                System.exit(1);
                return;
            }
            Searcher s = new Searcher(openSearcher(reader), tr, a.integer("--limit", 10), a.flag("--facets"), false);
            Result r = s.run(q);
            System.out.println("lucene query: " + q);
            System.out.println("total hits:   " + r.top.totalHits);
            for (int i = 0; i < r.titles.length; i++) {
                ScoreDoc sd = r.top.scoreDocs[i];
                String id = s.searcher.doc(sd.doc, Collections.singleton("id")).get("id");
                System.out.println(String.format(Locale.ROOT, "  %2d %8.4f %-16s %s", i + 1, sd.score, id, r.titles[i]));
            }
            if (r.facets != null) {
                System.out.println("lang:   " + r.facets.lang);
                System.out.println("outlet: " + r.facets.outlet);
                System.out.println("month:  " + r.facets.month + "  undated=" + r.facets.undated);
            }
        }
    }

    // ------------------------------------------------------------------ facets

    static final class Facets {
        final List<Map.Entry<String, Integer>> lang, outlet, month;
        final int undated;

        Facets(List<Map.Entry<String, Integer>> lang, List<Map.Entry<String, Integer>> outlet,
                List<Map.Entry<String, Integer>> month, int undated) {
            this.lang = lang;
            this.outlet = outlet;
            this.month = month;
            this.undated = undated;
        }
    }

    /**
     * Counts every match by lang, by outlet and by UTC calendar month of `published`, reading doc values.
     * Per segment, lang/outlet are counted by ordinal and turned into strings when the segment is done.
     */
    static final class FacetCollector implements Collector {
        final Map<String, Integer> lang = new HashMap<>();
        final Map<String, Integer> outlet = new HashMap<>();
        int[] monthCounts = new int[0];
        int monthBase; // month index (year*12 + month-1) of monthCounts[0]
        int undated;
        SortedDocValues segLang, segOutlet;
        int[] segLangCounts, segOutletCounts;

        @Override
        public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
        }

        @Override
        public LeafCollector getLeafCollector(LeafReaderContext ctx) throws IOException {
            flushSegment();
            segLang = DocValues.getSorted(ctx.reader(), "lang");
            segOutlet = DocValues.getSorted(ctx.reader(), "outlet");
            segLangCounts = new int[segLang.getValueCount()];
            segOutletCounts = new int[segOutlet.getValueCount()];
            final SortedDocValues l = segLang, o = segOutlet;
            final int[] lc = segLangCounts, oc = segOutletCounts;
            final NumericDocValues pub = DocValues.getNumeric(ctx.reader(), "published");
            return new LeafCollector() {
                long lo = 1, hi = 0; // cached month window [lo, hi) in epoch seconds
                int cachedMonth;

                @Override
                public void setScorer(Scorable scorer) {}

                @Override
                public void collect(int doc) throws IOException {
                    if (l.advanceExact(doc)) lc[l.ordValue()]++;
                    if (o.advanceExact(doc)) oc[o.ordValue()]++;
                    if (pub.advanceExact(doc)) {
                        long secs = pub.longValue();
                        if (secs < lo || secs >= hi) {
                            cachedMonth = Dates.monthIndex(secs);
                            lo = Dates.monthStart(cachedMonth);
                            hi = Dates.monthStart(cachedMonth + 1);
                        }
                        addMonth(cachedMonth);
                    } else {
                        undated++;
                    }
                }
            };
        }

        void addMonth(int m) {
            if (monthCounts.length == 0) {
                monthBase = m;
                monthCounts = new int[16];
            }
            if (m < monthBase) {
                int shift = monthBase - m;
                int[] n = new int[monthCounts.length + shift + 16];
                System.arraycopy(monthCounts, 0, n, shift + 16, monthCounts.length);
                monthCounts = n;
                monthBase = m - 16;
            }
            int i = m - monthBase;
            if (i >= monthCounts.length) monthCounts = Arrays.copyOf(monthCounts, Math.max(i + 1, monthCounts.length * 2));
            monthCounts[i]++;
        }

        void flushSegment() throws IOException {
            if (segLang == null) return;
            flush(segLang, segLangCounts, lang);
            flush(segOutlet, segOutletCounts, outlet);
            segLang = null;
            segOutlet = null;
        }

        static void flush(SortedDocValues dv, int[] counts, Map<String, Integer> into) throws IOException {
            for (int ord = 0; ord < counts.length; ord++) {
                if (counts[ord] > 0) into.merge(dv.lookupOrd(ord).utf8ToString(), counts[ord], Integer::sum);
            }
        }

        /** Buckets as newsdex shows them: lang and outlet by count (then value), months in time order with gaps filled. */
        Facets result() throws IOException {
            flushSegment();
            List<Map.Entry<String, Integer>> months = new ArrayList<>();
            int first = -1, last = -1;
            for (int i = 0; i < monthCounts.length; i++) {
                if (monthCounts[i] > 0) {
                    if (first < 0) first = i;
                    last = i;
                }
            }
            for (int i = first; first >= 0 && i <= last; i++) {
                months.add(Map.entry(Dates.monthLabel(monthBase + i), monthCounts[i]));
            }
            return new Facets(topBuckets(lang, LANG_FACET_SIZE), topBuckets(outlet, OUTLET_FACET_SIZE), months, undated);
        }

        static List<Map.Entry<String, Integer>> topBuckets(Map<String, Integer> m, int n) {
            List<Map.Entry<String, Integer>> l = new ArrayList<>(m.entrySet());
            l.sort((x, y) -> x.getValue().equals(y.getValue()) ? x.getKey().compareTo(y.getKey()) : y.getValue() - x.getValue());
            return l.size() > n ? new ArrayList<>(l.subList(0, n)) : l;
        }
    }

    // ------------------------------------------------------------------ dates

    static final class Dates {
        static final DateTimeFormatter REUTERS = new DateTimeFormatterBuilder().parseCaseInsensitive()
                .appendPattern("d-MMM-uuuu HH:mm:ss").optionalStart()
                .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().toFormatter(Locale.ENGLISH);
        static final DateTimeFormatter REUTERS_DAY = new DateTimeFormatterBuilder().parseCaseInsensitive()
                .appendPattern("d-MMM-uuuu").toFormatter(Locale.ENGLISH);
        static final DateTimeFormatter SLASH_TIME = DateTimeFormatter.ofPattern("uuuu/MM/dd HH:mm:ss", Locale.ROOT);
        static final DateTimeFormatter SLASH_DAY = DateTimeFormatter.ofPattern("uuuu/MM/dd", Locale.ROOT);
        static final DateTimeFormatter COMPACT_DAY = DateTimeFormatter.ofPattern("uuuuMMdd", Locale.ROOT);

        /**
         * A `published` value from the data to epoch seconds (UTC when no zone is given): RFC 3339 / ISO
         * with or without zone, date only, RFC 1123, `YYYY/MM/DD`, Reuters `26-FEB-1987 15:01:01.79`,
         * Unix seconds. Null when none fits.
         */
        static Long parse(String in) {
            String s = in.trim();
            if (s.isEmpty() || s.length() > 64) return null;
            s = s.replaceAll("\\s+", " "); // runs of spaces as one (`3-MAR-1987  09:15:05.40`)
            String t = s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + "T" + s.substring(11) : s;
            try {
                return OffsetDateTime.parse(t).toEpochSecond();
            } catch (RuntimeException e) { /* next shape */ }
            try {
                return ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
            } catch (RuntimeException e) { /* next shape */ }
            try {
                return LocalDateTime.parse(t).toEpochSecond(ZoneOffset.UTC);
            } catch (RuntimeException e) { /* next shape */ }
            for (DateTimeFormatter f : new DateTimeFormatter[] {REUTERS, SLASH_TIME}) {
                try {
                    return LocalDateTime.parse(s, f).toEpochSecond(ZoneOffset.UTC);
                } catch (RuntimeException e) { /* next shape */ }
            }
            for (DateTimeFormatter f : new DateTimeFormatter[] {DateTimeFormatter.ISO_LOCAL_DATE, SLASH_DAY, COMPACT_DAY, REUTERS_DAY}) {
                try {
                    return LocalDate.parse(s, f).toEpochDay() * 86400L;
                } catch (RuntimeException e) { /* next shape */ }
            }
            if (s.length() >= 9 && s.length() <= 12 && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Long.parseLong(s);
            }
            return null;
        }

        /** Days since 1970-01-01 of a proleptic Gregorian date. */
        static long daysFromCivil(long y, int m, int d) {
            // Shift the year to start in March so the leap day is the last day of the year.
            if (m <= 2) y -= 1;
            long era = Math.floorDiv(y, 400);
            long yoe = y - era * 400; // 0..399
            int mp = (m + 9) % 12; // March = 0
            long doy = (153L * mp + 2) / 5 + d - 1;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            return era * 146097 + doe - 719468;
        }

        /** year*12 + (month-1) of the UTC calendar month containing epoch second `secs`. */
        static int monthIndex(long secs) {
            long z = Math.floorDiv(secs, 86400L) + 719468;
            long era = Math.floorDiv(z, 146097);
            long doe = z - era * 146097;
            long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            int mp = (int) ((5 * doy + 2) / 153);
            int m = mp < 10 ? mp + 3 : mp - 9;
            long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
            return (int) (y * 12 + (m - 1));
        }

        static long monthStart(int monthIndex) {
            return daysFromCivil(Math.floorDiv(monthIndex, 12), Math.floorMod(monthIndex, 12) + 1, 1) * 86400L;
        }

        static String monthLabel(int monthIndex) {
            return String.format(Locale.ROOT, "%04d-%02d", Math.floorDiv(monthIndex, 12), Math.floorMod(monthIndex, 12) + 1);
        }

        /** A period named in a query as [start, end) epoch seconds, or null (newsdex's date rules). */
        static long[] period(String in) {
            String s = in.trim();
            int n = s.length();
            boolean yearDigits = n >= 4 && isDigits(s, 0, 4) && (n == 4 || s.charAt(4) == '-');
            if (!yearDigits) return null;
            try {
                if (n == 4) {
                    int y = Integer.parseInt(s);
                    return new long[] {daysFromCivil(y, 1, 1) * 86400L, daysFromCivil(y + 1, 1, 1) * 86400L};
                }
                if (n == 7 && isDigits(s, 5, 7)) {
                    int y = Integer.parseInt(s.substring(0, 4));
                    int m = Integer.parseInt(s.substring(5));
                    if (m < 1 || m > 12) return null;
                    int idx = y * 12 + m - 1;
                    return new long[] {monthStart(idx), monthStart(idx + 1)};
                }
                if (n == 10) {
                    long start = LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE).toEpochDay() * 86400L;
                    return new long[] {start, start + 86400L};
                }
            } catch (RuntimeException e) {
                return null;
            }
            try {
                long t = OffsetDateTime.parse(s).toEpochSecond();
                return new long[] {t, t + 1};
            } catch (RuntimeException e) { /* next shape */ }
            for (String f : new String[] {"uuuu-MM-dd'T'HH:mm:ss", "uuuu-MM-dd'T'HH:mm"}) {
                try {
                    long t = LocalDateTime.parse(s, DateTimeFormatter.ofPattern(f, Locale.ROOT)).toEpochSecond(ZoneOffset.UTC);
                    return new long[] {t, t + 1};
                } catch (RuntimeException e) { /* next shape */ }
            }
            return null;
        }

        static boolean isDigits(String s, int from, int to) {
            if (s.length() < to) return false;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') return false;
            }
            return true;
        }
    }

    // ------------------------------------------------------------------ newsdex query syntax

    static final class QuerySyntaxException extends Exception {
        QuerySyntaxException(String msg, int at) {
            super(msg + " (at " + at + ")");
        }

        QuerySyntaxException(String msg) {
            super(msg);
        }
    }

    enum Occ { MUST, SHOULD, MUST_NOT }

    /** The parsed query, shaped like newsdex's AST. `field` null means title and body. */
    abstract static class Node {}

    static final class AllNode extends Node {}

    static final class TermNode extends Node {
        final String field, text;

        TermNode(String field, String text) {
            this.field = field;
            this.text = text;
        }
    }

    static final class PhraseNode extends Node {
        final String field, text;
        final int slop;

        PhraseNode(String field, String text, int slop) {
            this.field = field;
            this.text = text;
            this.slop = slop;
        }
    }

    static final class PrefixNode extends Node {
        final String field, text;

        PrefixNode(String field, String text) {
            this.field = field;
            this.text = text;
        }
    }

    /** Publication window [start, end) in epoch seconds; null = open. */
    static final class DateNode extends Node {
        final Long start, end;

        DateNode(Long start, Long end) {
            this.start = start;
            this.end = end;
        }
    }

    static final class Clause {
        final Occ occ;
        final Node node;

        Clause(Occ occ, Node node) {
            this.occ = occ;
            this.node = node;
        }
    }

    static final class BoolNode extends Node {
        final List<Clause> clauses;

        BoolNode(List<Clause> clauses) {
            this.clauses = clauses;
        }
    }

    /** Canonical field name of a field prefix or alias, or null if unknown. */
    static String fieldName(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "title": case "headline": return "title";
            case "body": case "text": return "body";
            case "outlet": case "source": case "site": return "outlet";
            case "lang": case "language": return "lang";
            case "url": return "url";
            case "id": return "id";
            case "published": case "date": return "published";
            default: return null;
        }
    }

    /**
     * Recursive-descent parser for the newsdex grammar (default operator AND):
     *   query := or ; or := and (OR and)* ; and := clause ((AND)? clause)* ;
     *   clause := (+|-|!|NOT)* atom ; atom := ( or ) | field:value | value ;
     *   value := =? ( "phrase"(~N)? | word | word* | * )
     */
    static final class Parser {
        final String s;
        int pos;
        int depth;

        Parser(String s) {
            this.s = s;
        }

        static Node parse(String input) throws QuerySyntaxException {
            Parser p = new Parser(input);
            p.skipWs();
            if (p.atEnd()) throw new QuerySyntaxException("empty query");
            Node root = p.or(null);
            p.skipWs();
            if (!p.atEnd()) throw new QuerySyntaxException(p.peek() == ')' ? "unbalanced ')'" : "unexpected text", p.pos);
            return normalize(root);
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        int peek() {
            return atEnd() ? -1 : s.codePointAt(pos);
        }

        int bump() {
            int c = peek();
            if (c >= 0) pos += Character.charCount(c);
            return c;
        }

        static boolean isWs(int c) {
            return c >= 0 && Character.isWhitespace(c);
        }

        void skipWs() {
            while (isWs(peek())) bump();
        }

        /** The bare word at the cursor: up to whitespace, a parenthesis or a quote. Not consumed. */
        String peekWord() {
            int i = pos;
            while (i < s.length()) {
                int c = s.codePointAt(i);
                if (Character.isWhitespace(c) || c == '(' || c == ')' || c == '"') break;
                i += Character.charCount(c);
            }
            return s.substring(pos, i);
        }

        String peekOp() {
            switch (peekWord()) {
                case "AND": case "&&": return "AND";
                case "OR": case "||": return "OR";
                case "NOT": return "NOT";
                default: return null;
            }
        }

        boolean endOfClauseAhead() {
            String op = peekOp();
            return atEnd() || peek() == ')' || "OR".equals(op) || "AND".equals(op);
        }

        Node or(String field) throws QuerySyntaxException {
            List<Node> alts = new ArrayList<>();
            alts.add(and(field));
            while (true) {
                skipWs();
                if (!"OR".equals(peekOp())) break;
                int at = pos;
                pos += peekWord().length();
                skipWs();
                if (endOfClauseAhead()) throw new QuerySyntaxException("OR needs a clause after it", at);
                alts.add(and(field));
            }
            if (alts.size() == 1) return alts.get(0);
            List<Clause> cs = new ArrayList<>();
            for (Node n : alts) cs.add(new Clause(Occ.SHOULD, n));
            return new BoolNode(cs);
        }

        Node and(String field) throws QuerySyntaxException {
            List<Occ> marks = new ArrayList<>();
            List<Node> nodes = new ArrayList<>();
            boolean explicitAnd = false;
            while (true) {
                skipWs();
                if (atEnd() || peek() == ')') break;
                String op = peekOp();
                if ("OR".equals(op)) {
                    if (nodes.isEmpty()) throw new QuerySyntaxException("OR needs a clause before it", pos);
                    break;
                }
                if ("AND".equals(op)) {
                    int at = pos;
                    if (nodes.isEmpty()) throw new QuerySyntaxException("AND needs a clause before it", at);
                    pos += peekWord().length();
                    skipWs();
                    if (endOfClauseAhead()) throw new QuerySyntaxException("AND needs a clause after it", at);
                    explicitAnd = true;
                    continue;
                }
                Clause c = clause(field);
                marks.add(c.occ);
                nodes.add(c.node);
            }
            if (nodes.isEmpty()) throw new QuerySyntaxException("empty group", pos);
            if (nodes.size() == 1 && marks.get(0) == null) return nodes.get(0);
            // Default operator AND: unmarked clauses must match (explicit AND too).
            List<Clause> cs = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                cs.add(new Clause(marks.get(i) == null ? Occ.MUST : marks.get(i), nodes.get(i)));
            }
            return new BoolNode(cs);
        }

        /** A clause with its markers; occ null when unmarked. Negations cancel in pairs. */
        Clause clause(String field) throws QuerySyntaxException {
            int negations = 0;
            boolean marked = false;
            while (true) {
                int at = pos;
                int c = peek();
                if (c == '+' || c == '-' || c == '!') {
                    bump();
                    int n = peek();
                    if (n < 0 || isWs(n) || n == ')') {
                        throw new QuerySyntaxException("'" + (char) c + "' must be followed directly by a word, phrase or group", at);
                    }
                    if (c != '+') negations++;
                } else if ("NOT".equals(peekOp())) {
                    pos += 3;
                    skipWs();
                    String op = peekOp();
                    if (atEnd() || peek() == ')' || (op != null && !op.equals("NOT"))) {
                        throw new QuerySyntaxException("NOT needs a clause after it", at);
                    }
                    negations++;
                } else {
                    break;
                }
                marked = true;
            }
            String op = peekOp();
            if ("AND".equals(op) || "OR".equals(op)) throw new QuerySyntaxException(op + " is an operator here", pos);
            Node node = atom(field);
            Occ occ = negations % 2 == 1 ? Occ.MUST_NOT : marked ? Occ.MUST : null;
            return new Clause(occ, node);
        }

        Node atom(String field) throws QuerySyntaxException {
            int at = pos;
            if (peek() == '(') return group(field);
            String word = peekWord();
            int colon = word.indexOf(':');
            if (colon >= 0) {
                String name = word.substring(0, colon);
                String after = word.substring(colon + 1);
                boolean identifier = !name.isEmpty() && name.chars().allMatch(ch -> (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_');
                if (identifier && !after.startsWith("/")) {
                    String f = fieldName(name);
                    if (f == null) throw new QuerySyntaxException("unknown field '" + name + "'", at);
                    pos += colon + 1;
                    int n = peek();
                    if (n < 0 || isWs(n) || n == ')') throw new QuerySyntaxException(f + ": needs a value", at);
                    if (f.equals("published")) return dateValue(at);
                    return value(f);
                }
            }
            return value(field);
        }

        Node group(String field) throws QuerySyntaxException {
            int open = pos;
            bump();
            if (++depth > 96) throw new QuerySyntaxException("the query nests too deeply", pos);
            skipWs();
            if (peek() == ')') throw new QuerySyntaxException("empty group", open);
            if (atEnd()) throw new QuerySyntaxException("unbalanced '('", open);
            Node inner = or(field);
            skipWs();
            if (bump() != ')') throw new QuerySyntaxException("unbalanced '('", open);
            depth--;
            if (inner instanceof BoolNode) return inner;
            List<Clause> cs = new ArrayList<>();
            cs.add(new Clause(Occ.MUST, inner));
            return new BoolNode(cs);
        }

        Node value(String field) throws QuerySyntaxException {
            int at = pos;
            if (field != null && peek() == '(') return group(field);
            boolean exact = peek() == '=';
            if (exact) bump(); // exact (no spelling variants): Lucene has no variants, so same as plain
            if (peek() == '"') return phrase(field);
            String word = peekWord();
            if (word.isEmpty()) throw new QuerySyntaxException("expected a word", at);
            pos += word.length();
            if (word.equals("*") && !exact && field == null) return new AllNode();
            if (word.endsWith("*")) {
                String stem = word.substring(0, word.length() - 1);
                if (stem.contains("*")) throw new QuerySyntaxException("'*' may only end a word", at);
                if (exact) throw new QuerySyntaxException("an exact term cannot be a prefix", at);
                if (stem.codePointCount(0, stem.length()) < 2) throw new QuerySyntaxException("a prefix needs 2 characters", at);
                return new PrefixNode(field, stem);
            }
            if (word.contains("*")) throw new QuerySyntaxException("'*' may only end a word", at);
            if (word.startsWith("[") || word.startsWith("{")) throw new QuerySyntaxException("ranges are only for published:", at);
            return new TermNode(field, word);
        }

        Node phrase(String field) throws QuerySyntaxException {
            int open = pos;
            bump();
            StringBuilder text = new StringBuilder();
            while (true) {
                int c = bump();
                if (c < 0) throw new QuerySyntaxException("unclosed quote", open);
                if (c == '"') break;
                if (c == '\\') {
                    c = bump();
                    if (c < 0) throw new QuerySyntaxException("unclosed quote", open);
                }
                text.appendCodePoint(c);
            }
            int slop = 0;
            if (peek() == '~') {
                int at = pos;
                bump();
                String digits = peekWord();
                try {
                    slop = Integer.parseInt(digits);
                } catch (NumberFormatException e) {
                    slop = -1;
                }
                if (slop < 0 || slop > 100 || !digits.chars().allMatch(Character::isDigit)) {
                    throw new QuerySyntaxException("proximity after a phrase is a number from 0 to 100", at);
                }
                pos += digits.length();
            }
            if (text.toString().trim().isEmpty()) throw new QuerySyntaxException("empty phrase", open);
            return new PhraseNode(field, text.toString(), slop);
        }

        /** After `published:` — [A TO B], {A TO B}, mixed brackets, >=A, >A, <=A, <A, or a period. */
        Node dateValue(int at) throws QuerySyntaxException {
            int start = pos;
            int open = peek();
            if (open == '[' || open == '{') {
                bump();
                int close = -1;
                for (int i = pos; i < s.length(); i++) {
                    char ch = s.charAt(i);
                    if (ch == ']' || ch == '}') {
                        close = i;
                        break;
                    }
                }
                if (close < 0) throw new QuerySyntaxException("unclosed date range", start);
                String inside = s.substring(pos, close);
                char closeCh = s.charAt(close);
                pos = close + 1;
                String[] parts = inside.trim().split("\\s+");
                if (parts.length != 3 || !parts[1].equals("TO")) throw new QuerySyntaxException("a date range is [FROM TO UNTIL]", start);
                Long lo = null, hi = null;
                if (!parts[0].equals("*")) {
                    long[] p = Dates.period(parts[0]);
                    if (p == null) throw new QuerySyntaxException(parts[0] + " is not a date", start);
                    lo = open == '[' ? p[0] : p[1];
                }
                if (!parts[2].equals("*")) {
                    long[] p = Dates.period(parts[2]);
                    if (p == null) throw new QuerySyntaxException(parts[2] + " is not a date", start);
                    hi = closeCh == ']' ? p[1] : p[0];
                }
                return checked(lo, hi, at);
            }
            String word = peekWord();
            pos += word.length();
            String op = "";
            for (String o : new String[] {">=", "<=", ">", "<"}) {
                if (word.startsWith(o)) {
                    op = o;
                    break;
                }
            }
            String rest = word.substring(op.length());
            long[] p = Dates.period(rest);
            if (p == null) throw new QuerySyntaxException(rest + " is not a date", start + op.length());
            switch (op) {
                case ">=": return checked(p[0], null, at);
                case ">": return checked(p[1], null, at);
                case "<=": return checked(null, p[1], at);
                case "<": return checked(null, p[0], at);
                default: return checked(p[0], p[1], at);
            }
        }

        static Node checked(Long lo, Long hi, int at) throws QuerySyntaxException {
            if (lo != null && hi != null && lo >= hi) throw new QuerySyntaxException("the date range is empty", at);
            return new DateNode(lo, hi);
        }
    }

    /** newsdex's normalisation: unwrap single positive clauses, flatten same-meaning nesting, drop empty groups. */
    static Node normalize(Node node) {
        if (!(node instanceof BoolNode)) return node;
        List<Clause> out = new ArrayList<>();
        for (Clause c : ((BoolNode) node).clauses) {
            Node child = normalize(c.node);
            if (child instanceof BoolNode) {
                List<Clause> inner = ((BoolNode) child).clauses;
                if (inner.isEmpty()) continue;
                boolean noShould = inner.stream().allMatch(x -> x.occ != Occ.SHOULD);
                boolean allShould = inner.stream().allMatch(x -> x.occ == Occ.SHOULD);
                if ((c.occ == Occ.MUST && noShould) || (c.occ == Occ.SHOULD && allShould)) {
                    out.addAll(inner);
                    continue;
                }
            }
            out.add(new Clause(c.occ, child));
        }
        if (out.size() == 1 && out.get(0).occ != Occ.MUST_NOT) return out.get(0).node;
        return new BoolNode(out);
    }

    /** From the parsed query to a Lucene query, the way newsdex builds its tantivy query. */
    static final class Translator {
        final Analyzer analyzer;

        Translator(Analyzer analyzer) {
            this.analyzer = analyzer;
        }

        Query translate(String text) throws QuerySyntaxException {
            Query q = build(Parser.parse(text));
            return q == null ? new MatchNoDocsQuery("nothing to search for") : q;
        }

        /** Null when the node has nothing searchable (a word of only punctuation): the caller drops it. */
        Query build(Node n) throws QuerySyntaxException {
            if (n instanceof AllNode) return new MatchAllDocsQuery();
            if (n instanceof TermNode) return words(((TermNode) n).field, ((TermNode) n).text, 0);
            if (n instanceof PhraseNode) return words(((PhraseNode) n).field, ((PhraseNode) n).text, ((PhraseNode) n).slop);
            if (n instanceof PrefixNode) return prefix(((PrefixNode) n).field, ((PrefixNode) n).text);
            if (n instanceof DateNode) {
                DateNode d = (DateNode) n;
                long lo = d.start == null ? Long.MIN_VALUE : d.start;
                long hi = d.end == null ? Long.MAX_VALUE : d.end - 1; // [start, end) -> inclusive upper
                // A filter: matches, never scores (newsdex: ConstScoreQuery with score 0).
                return new BoostQuery(new ConstantScoreQuery(LongPoint.newRangeQuery("published", lo, hi)), 0f);
            }
            BoolNode b = (BoolNode) n;
            BooleanQuery.Builder bq = new BooleanQuery.Builder();
            int added = 0;
            boolean allNot = true;
            for (Clause c : b.clauses) {
                Query q = build(c.node);
                if (q == null) continue;
                bq.add(q, c.occ == Occ.MUST ? BooleanClause.Occur.MUST
                        : c.occ == Occ.SHOULD ? BooleanClause.Occur.SHOULD : BooleanClause.Occur.MUST_NOT);
                added++;
                allNot &= c.occ == Occ.MUST_NOT;
            }
            if (added == 0) return null;
            if (allNot) bq.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST); // "everything except"
            return bq.build();
        }

        /** Lucene fields and boosts a word in `field` searches. */
        static String[][] textFields(String field) throws QuerySyntaxException {
            if (field == null) return new String[][] {{"title", Float.toString(TITLE_BOOST)}, {"body", "1"}};
            switch (field) {
                case "title": return new String[][] {{"title", "1"}};
                case "body": return new String[][] {{"body", "1"}};
                case "outlet": return new String[][] {{"outlet_text", "1"}};
                default: throw new QuerySyntaxException(field + ": takes no words here");
            }
        }

        Query words(String field, String text, int slop) throws QuerySyntaxException {
            if ("lang".equals(field)) return new TermQuery(new Term("lang", normLang(text)));
            if ("id".equals(field)) return new TermQuery(new Term("id", text.trim()));
            if ("url".equals(field)) throw new QuerySyntaxException("url: is not indexed by this benchmark");
            List<String> tokens = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            analyze(text, tokens, positions);
            if (tokens.isEmpty()) return null;
            List<Query> perField = new ArrayList<>();
            for (String[] fb : textFields(field)) {
                Query q;
                if (tokens.size() == 1) {
                    q = new TermQuery(new Term(fb[0], tokens.get(0)));
                } else {
                    PhraseQuery.Builder pb = new PhraseQuery.Builder();
                    for (int i = 0; i < tokens.size(); i++) pb.add(new Term(fb[0], tokens.get(i)), positions.get(i));
                    pb.setSlop(slop);
                    q = pb.build();
                }
                float boost = Float.parseFloat(fb[1]);
                perField.add(boost == 1f ? q : new BoostQuery(q, boost));
            }
            return oneOf(perField);
        }

        Query prefix(String field, String text) throws QuerySyntaxException {
            List<String> tokens = new ArrayList<>();
            analyze(text, tokens, new ArrayList<>());
            if (tokens.size() != 1) throw new QuerySyntaxException("prefix " + text + "* must be a single word");
            List<Query> perField = new ArrayList<>();
            for (String[] fb : textFields(field)) {
                // Constant-score rewrite (Lucene's default): every match scores the boost.
                perField.add(new BoostQuery(new PrefixQuery(new Term(fb[0], tokens.get(0))), Float.parseFloat(fb[1])));
            }
            return oneOf(perField);
        }

        static Query oneOf(List<Query> qs) {
            if (qs.size() == 1) return qs.get(0);
            BooleanQuery.Builder b = new BooleanQuery.Builder();
            for (Query q : qs) b.add(q, BooleanClause.Occur.SHOULD);
            return b.build();
        }

        /** Tokens of `text` (title/body analysis; all text fields share one analyzer) with their positions. */
        void analyze(String text, List<String> tokens, List<Integer> positions) {
            try (TokenStream ts = analyzer.tokenStream("body", text)) {
                CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
                PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
                ts.reset();
                int pos = -1;
                while (ts.incrementToken()) {
                    pos += inc.getPositionIncrement();
                    tokens.add(term.toString());
                    positions.add(pos);
                }
                ts.end();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            // Phrase positions relative to the first token (stop words dropped before it shift nothing).
            if (!positions.isEmpty()) {
                int first = positions.get(0);
                for (int i = 0; i < positions.size(); i++) positions.set(i, positions.get(i) - first);
            }
        }
    }

    // ------------------------------------------------------------------ eval

    static void eval(Args a) throws IOException {
        Path docsPath = Paths.get(a.pos(0, "DOCS.jsonl"));
        Path queriesPath = Paths.get(a.pos(1, "QUERIES.tsv"));
        Path qrelsPath = Paths.get(a.pos(2, "QRELS.tsv"));
        int k = a.integer("--k", 10);
        int depth = a.integer("--depth", 1000);
        String stop = a.str("--stopwords", "none");
        String fields = a.str("--fields", "combined");
        if (!fields.equals("combined") && !fields.equals("newsdex")) die("--fields is combined or newsdex");
        Path parent = docsPath.toAbsolutePath().getParent();
        String name = a.str("--name", parent == null ? docsPath.toString() : parent.getFileName().toString());
        Analyzer an = analyzer(stop);

        // Relevance judgments: qid -> docid -> raw grade.
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        Set<Integer> positiveGrades = new HashSet<>();
        boolean negativeGrades = false;
        for (String line : Files.readAllLines(qrelsPath, StandardCharsets.UTF_8)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) continue;
            int g = Integer.parseInt(f[3]);
            qrels.computeIfAbsent(f[0], x -> new HashMap<>()).put(f[2], g);
            if (g > 0) positiveGrades.add(g);
            if (g < 0) negativeGrades = true;
        }
        String gains = a.str("--gains", "auto");
        if (gains.equals("auto")) {
            if (name.toLowerCase(Locale.ROOT).contains("cranfield")) gains = "cranfield";
            else gains = positiveGrades.size() <= 1 ? "binary" : "graded";
        }
        if (!Arrays.asList("binary", "graded", "cranfield").contains(gains)) die("--gains is auto, binary, graded or cranfield");

        long t0 = System.nanoTime();
        Directory dir = new ByteBuffersDirectory();
        IndexWriterConfig cfg = new IndexWriterConfig(an);
        cfg.setSimilarity(new BM25Similarity());
        cfg.setRAMBufferSizeMB(256);
        int ndocs = 0;
        try (IndexWriter w = new IndexWriter(dir, cfg); BufferedReader r = Files.newBufferedReader(docsPath, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                @SuppressWarnings("unchecked")
                Map<String, Object> o = (Map<String, Object>) Json.parse(line);
                String title = str(o.get("title"));
                String text = str(o.get("text"));
                title = title == null ? "" : title;
                text = text == null ? "" : text;
                Document doc = new Document();
                doc.add(new StringField("docid", str(o.get("id")), Field.Store.YES));
                if (fields.equals("combined")) {
                    doc.add(new TextField("contents", title + "\n" + text, Field.Store.NO));
                } else {
                    doc.add(new TextField("title", title, Field.Store.NO));
                    doc.add(new TextField("body", text, Field.Store.NO));
                }
                w.addDocument(doc);
                ndocs++;
            }
        }
        DirectoryReader reader = DirectoryReader.open(dir);
        IndexSearcher searcher = openSearcher(reader);
        String[] docIds = new String[reader.maxDoc()];
        for (int i = 0; i < docIds.length; i++) docIds[i] = searcher.doc(i, Collections.singleton("docid")).get("docid");

        QueryParser parser;
        if (fields.equals("combined")) {
            parser = new QueryParser("contents", an);
        } else {
            Map<String, Float> boosts = new HashMap<>();
            boosts.put("title", TITLE_BOOST);
            boosts.put("body", 1f);
            parser = new org.apache.lucene.queryparser.classic.MultiFieldQueryParser(new String[] {"title", "body"}, an, boosts);
        }
        parser.setDefaultOperator(QueryParser.Operator.OR);

        double sumNdcg = 0, sumAp = 0;
        int scored = 0, total = 0;
        StringWriter perQuery = new StringWriter();
        PrintWriter pq = new PrintWriter(perQuery);
        StringBuilder run = new StringBuilder();
        pq.println("qid\tndcg_at_" + k + "\tap\trelevant\tretrieved_relevant");
        for (String line : Files.readAllLines(queriesPath, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab < 0) continue;
            total++;
            String qid = line.substring(0, tab).trim();
            String text = line.substring(tab + 1);
            Map<String, Double> gain = new HashMap<>();
            for (Map.Entry<String, Integer> e : qrels.getOrDefault(qid, Collections.emptyMap()).entrySet()) {
                double g = gainOf(gains, e.getValue());
                if (g > 0) gain.put(e.getKey(), g);
            }
            if (gain.isEmpty()) continue; // no relevant document: not scored
            Query q;
            try {
                // Lower-cased so words like AND/OR/NOT are not operators; escaped so ?*:( etc. are literal.
                q = parser.parse(QueryParser.escape(text.toLowerCase(Locale.ROOT)));
            } catch (ParseException e) {
                System.err.println("query " + qid + ": " + e.getMessage());
                q = new MatchNoDocsQuery();
            }
            if (q == null) q = new MatchNoDocsQuery();
            ScoreDoc[] hits = searcher.search(q, depth).scoreDocs;
            String[] ranked = new String[hits.length];
            for (int i = 0; i < hits.length; i++) {
                ranked[i] = docIds[hits[i].doc];
                run.append(qid).append(" Q0 ").append(ranked[i]).append(' ').append(i + 1).append(' ')
                        .append(hits[i].score).append(" lucene\n");
            }
            double ndcg = ndcg(ranked, gain, k);
            double ap = averagePrecision(ranked, gain.keySet());
            int retrievedRel = 0;
            for (String d : ranked) if (gain.containsKey(d)) retrievedRel++;
            pq.println(qid + "\t" + fmt(ndcg, 6) + "\t" + fmt(ap, 6) + "\t" + gain.size() + "\t" + retrievedRel);
            sumNdcg += ndcg;
            sumAp += ap;
            scored++;
        }
        pq.flush();
        String perQueryFile = a.opts.get("--per-query");
        if (perQueryFile != null) Files.write(Paths.get(perQueryFile), perQuery.toString().getBytes(StandardCharsets.UTF_8));
        String runFile = a.opts.get("--run");
        if (runFile != null) Files.write(Paths.get(runFile), run.toString().getBytes(StandardCharsets.UTF_8));
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.println("{\"engine\":\"" + ENGINE + "\",\"collection\":\"" + jsonEscape(name) + "\",\"docs\":" + ndocs
                + ",\"queries\":" + scored + ",\"queries_in_file\":" + total
                + ",\"ndcg_at_" + k + "\":" + fmt(scored == 0 ? 0 : sumNdcg / scored, 4)
                + ",\"map\":" + fmt(scored == 0 ? 0 : sumAp / scored, 4)
                + ",\"depth\":" + depth + ",\"gains\":\"" + gains + "\",\"stopwords\":\"" + stop + "\",\"fields\":\"" + fields
                + "\",\"seconds\":" + fmt(secs, 2) + "}");
        reader.close();
        dir.close();
    }

    /** Gain of a raw grade: binary 1/0; graded = the grade itself; cranfield = 5 - code for codes 1..4. */
    static double gainOf(String mode, int grade) {
        switch (mode) {
            case "binary": return grade > 0 ? 1 : 0;
            case "graded": return Math.max(0, grade);
            default: return grade >= 1 && grade <= 4 ? 5 - grade : 0;
        }
    }

    /** nDCG@k, linear gains, discount 1/log2(rank+1); ideal = all judged gains sorted descending. */
    static double ndcg(String[] ranked, Map<String, Double> gain, int k) {
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranked.length); i++) {
            dcg += gain.getOrDefault(ranked[i], 0.0) / log2(i + 2);
        }
        List<Double> ideal = new ArrayList<>(gain.values());
        ideal.sort(Collections.reverseOrder());
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) idcg += ideal.get(i) / log2(i + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    /** AP over the ranked list: sum of precision@i at each relevant rank i, divided by all relevant docs. */
    static double averagePrecision(String[] ranked, Set<String> relevant) {
        double sum = 0;
        int hits = 0;
        for (int i = 0; i < ranked.length; i++) {
            if (relevant.contains(ranked[i])) {
                hits++;
                sum += (double) hits / (i + 1);
            }
        }
        return relevant.isEmpty() ? 0 : sum / relevant.size();
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    // ------------------------------------------------------------------ small helpers

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "null";
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** A small JSON reader: objects (LinkedHashMap), arrays (ArrayList), strings, numbers (Double), booleans, null. */
    static final class Json {
        final String s;
        int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String s) {
            Json j = new Json(s);
            j.ws();
            Object v = j.value();
            j.ws();
            if (j.i != s.length()) throw j.err("trailing text");
            return v;
        }

        RuntimeException err(String msg) {
            return new IllegalArgumentException("JSON: " + msg + " at " + i);
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        Object value() {
            if (i >= s.length()) throw err("unexpected end");
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw err("unexpected '" + c + "'");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) throw err("bad literal");
            i += word.length();
            return v;
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') throw err("expected a key");
                String key = string();
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw err("expected ':'");
                i++;
                ws();
                m.put(key, value());
                ws();
                if (i >= s.length()) throw err("unclosed object");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw err("expected ',' or '}'");
            }
        }

        List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            }
            while (true) {
                ws();
                l.add(value());
                ws();
                if (i >= s.length()) throw err("unclosed array");
                char c = s.charAt(i++);
                if (c == ']') return l;
                if (c != ',') throw err("expected ',' or ']'");
            }
        }

        String string() {
            i++; // opening quote
            StringBuilder b = null;
            int start = i;
            while (true) {
                if (i >= s.length()) throw err("unclosed string");
                char c = s.charAt(i);
                if (c == '"') {
                    String out = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c == '\\') {
                    if (b == null) b = new StringBuilder();
                    b.append(s, start, i);
                    if (i + 1 >= s.length()) throw err("bad escape");
                    char e = s.charAt(i + 1);
                    i += 2;
                    switch (e) {
                        case '"': b.append('"'); break;
                        case '\\': b.append('\\'); break;
                        case '/': b.append('/'); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'n': b.append('\n'); break;
                        case 'r': b.append('\r'); break;
                        case 't': b.append('\t'); break;
                        case 'u':
                            if (i + 4 > s.length()) throw err("bad \\u escape");
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                            break;
                        default: throw err("bad escape");
                    }
                    start = i;
                } else {
                    i++;
                }
            }
        }

        Double number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            try {
                return Double.valueOf(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw err("bad number");
            }
        }
    }
}
