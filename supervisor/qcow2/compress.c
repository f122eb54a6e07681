// SPDX-License-Identifier: GPL-2.0
/* Compressed clusters: raw deflate (zlib) or zstd frames. */
#include <zlib.h>
#include <zstd.h>

#include "qcow2_int.h"

int qcow2_decompress(struct vimg *q, const uint8_t *in, size_t inlen, uint8_t *out);
int qcow2_compress(struct vimg *q, const uint8_t *in, uint8_t *out, size_t *outlen);

int qcow2_decompress(struct vimg *q, const uint8_t *in, size_t inlen, uint8_t *out)
{
	if (q->compression_type == QCOW2_COMP_ZSTD) {
		ZSTD_DCtx *d = ZSTD_createDCtx();
		ZSTD_inBuffer ib = { in, inlen, 0 };
		ZSTD_outBuffer ob = { out, q->cs, 0 };
		size_t r = 1;

		if (!d)
			return qerr(ENOMEM, "out of memory");
		while (ob.pos < ob.size && ib.pos < ib.size) {
			r = ZSTD_decompressStream(d, &ob, &ib);
			if (ZSTD_isError(r) || r == 0)
				break;
		}
		ZSTD_freeDCtx(d);
		if (ZSTD_isError(r))
			return qerr(EIO, "zstd: %s", ZSTD_getErrorName(r));
		if (ob.pos != ob.size)
			return qerr(EIO, "zstd: cluster decompressed to %zu bytes", ob.pos);
		return 0;
	} else {
		z_stream z;
		int r;

		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, -15) != Z_OK)
			return qerr(ENOMEM, "inflateInit2 failed");
		z.next_in = (Bytef *)in;
		z.avail_in = inlen;
		z.next_out = out;
		z.avail_out = q->cs;
		r = inflate(&z, Z_FINISH);
		inflateEnd(&z);
		if ((r != Z_STREAM_END && r != Z_BUF_ERROR && r != Z_OK) || z.avail_out)
			return qerr(EIO, "deflate: corrupt data (inflate %d, %u bytes short)", r,
				    z.avail_out);
		return 0;
	}
}

/* Compress one cluster; -ENOSPC when the result would not be smaller. */
int qcow2_compress(struct vimg *q, const uint8_t *in, uint8_t *out, size_t *outlen)
{
	if (q->compression_type == QCOW2_COMP_ZSTD) {
		size_t r = ZSTD_compress(out, *outlen, in, q->cs, 1);

		if (ZSTD_isError(r))
			return -ENOSPC;
		*outlen = r;
		return 0;
	} else {
		z_stream z;
		int r;

		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return qerr(ENOMEM, "deflateInit2 failed");
		z.next_in = (Bytef *)in;
		z.avail_in = q->cs;
		z.next_out = out;
		z.avail_out = *outlen;
		r = deflate(&z, Z_FINISH);
		*outlen = *outlen - z.avail_out;
		deflateEnd(&z);
		return r == Z_STREAM_END ? 0 : -ENOSPC;
	}
}
