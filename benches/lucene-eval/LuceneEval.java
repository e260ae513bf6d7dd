// LuceneEval: Lucene BM25 runs for benches/eval-peers (which compiles and runs this file).
//
//   java -cp LUCENE_JAR:CLASSES LuceneEval --version
//   java -cp LUCENE_JAR:CLASSES LuceneEval DOCS.tsv QUERIES.tsv OUT.run K1 B TITLE_BOOST [OUT.run K1 B TITLE_BOOST ...]
//
// DOCS.tsv: one document a line, `id<TAB>title<TAB>text` (no tabs or line breaks inside a
// field). QUERIES.tsv: `qid<TAB>query text`. The documents are indexed once, in memory, into
// the fields title and body with EnglishAnalyzer (standard tokenizer, possessive filter,
// lower case, English stop words, Porter stemmer). Then, per (OUT.run, K1, B, TITLE_BOOST)
// group: the searcher's similarity becomes BM25Similarity(K1, B) (Lucene's norms do not
// depend on k1 and b, so one index serves every setting), each query is lowercased, escaped
// and parsed by MultiFieldQueryParser over title (boost TITLE_BOOST) and body (boost 1) with
// OR as the default operator, and its top 1000 go to OUT.run as `qid docid rank score` lines.
// A query that does not parse or leaves no terms gets no lines. Single-threaded.

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.Version;

public final class LuceneEval {
  private static final int TOP = 1000;
  private static final String[] FIELDS = {"title", "body"};

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--version")) {
      System.out.println(Version.LATEST);
      return;
    }
    if (args.length < 6 || (args.length - 2) % 4 != 0) {
      System.err.println(
          "usage: LuceneEval DOCS.tsv QUERIES.tsv OUT.run K1 B TITLE_BOOST [OUT.run K1 B TITLE_BOOST ...]"
              + "\n       LuceneEval --version");
      System.exit(2);
    }
    Analyzer analyzer = new EnglishAnalyzer();
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    int docs = index(args[0], analyzer, dir);
    List<String[]> queries = readTsv(args[1], 2);
    IndexSearcher.setMaxClauseCount(Math.max(IndexSearcher.getMaxClauseCount(), 1 << 16));

    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      StoredFields stored = searcher.storedFields();
      for (int a = 2; a < args.length; a += 4) {
        String out = args[a];
        float k1 = Float.parseFloat(args[a + 1]);
        float b = Float.parseFloat(args[a + 2]);
        float titleBoost = Float.parseFloat(args[a + 3]);
        searcher.setSimilarity(new BM25Similarity(k1, b));
        Map<String, Float> boosts = new HashMap<>();
        boosts.put("title", titleBoost);
        boosts.put("body", 1.0f);
        MultiFieldQueryParser parser = new MultiFieldQueryParser(FIELDS, analyzer, boosts);
        parser.setDefaultOperator(QueryParser.OR_OPERATOR);

        int empty = 0;
        try (BufferedWriter w = Files.newBufferedWriter(Paths.get(out), StandardCharsets.UTF_8)) {
          for (String[] q : queries) {
            Query query = parse(parser, q[0], q[1]);
            if (query == null) {
              empty++;
              continue;
            }
            TopDocs top = searcher.search(query, TOP);
            int rank = 0;
            for (ScoreDoc sd : top.scoreDocs) {
              rank++;
              String id = stored.document(sd.doc).get("id");
              w.write(q[0] + " " + id + " " + rank + " " + sd.score + "\n");
            }
          }
        }
        System.err.printf(
            Locale.ROOT,
            "LuceneEval: %d documents, %d queries (%d without terms), k1=%s b=%s title boost %s -> %s%n",
            docs, queries.size(), empty, args[a + 1], args[a + 2], args[a + 3], out);
      }
    }
  }

  /** Adds every DOCS.tsv line as one document; returns how many. One segment, in file order. */
  private static int index(String path, Analyzer analyzer, ByteBuffersDirectory dir)
      throws IOException {
    IndexWriterConfig cfg = new IndexWriterConfig(analyzer);
    cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    cfg.setSimilarity(new BM25Similarity());
    cfg.setMergeScheduler(new SerialMergeScheduler());
    cfg.setRAMBufferSizeMB(256);
    int n = 0;
    try (IndexWriter writer = new IndexWriter(dir, cfg)) {
      for (String[] d : readTsv(path, 3)) {
        Document doc = new Document();
        doc.add(new StoredField("id", d[0]));
        doc.add(new TextField("title", d[1], Field.Store.NO));
        doc.add(new TextField("body", d[2], Field.Store.NO));
        writer.addDocument(doc);
        n++;
      }
      writer.forceMerge(1);
      writer.commit();
    }
    return n;
  }

  /** The query for one line, or null when it has no searchable terms or does not parse. */
  private static Query parse(MultiFieldQueryParser parser, String qid, String text) {
    // Lowercased so that upper-case AND / OR / NOT are words, not operators; escaped so that
    // no other character is syntax.
    String q = QueryParser.escape(text.toLowerCase(Locale.ROOT)).trim();
    if (q.isEmpty()) {
      return null;
    }
    Query query;
    try {
      query = parser.parse(q);
    } catch (ParseException e) {
      System.err.println("LuceneEval: query " + qid + " does not parse: " + e.getMessage());
      return null;
    }
    if (query instanceof MatchNoDocsQuery
        || (query instanceof BooleanQuery && ((BooleanQuery) query).clauses().isEmpty())) {
      return null;
    }
    return query;
  }

  /** Lines of a UTF-8 TSV file split into exactly `cols` fields (missing ones empty). */
  private static List<String[]> readTsv(String path, int cols) throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split("\t", cols);
        String[] row = new String[cols];
        for (int i = 0; i < cols; i++) {
          row[i] = i < parts.length ? parts[i] : "";
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
