/*
 * The floor of a short command (issue 20): a bare libpq client that connects,
 * sends the SQL of a workload and prints every row it returns, and nothing else.
 * scripts/bench.sh compiles it (cc, libpq) and times it beside Verity and psql.
 *
 *   floor CONNINFO FILE     connect with CONNINFO (a URL or key=value pairs, as psql takes),
 *                           send FILE's SQL as one simple-query message (PQsendQuery: every
 *                           statement in it, in one round trip), print each row's fields
 *                           joined by '|' (as psql -At does), one row a line
 *
 * Exit status: 0, or 1 on a connection or query error (the message on stderr).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return NULL; }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) { free(buf); buf = NULL; break; }
            buf = bigger; cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor CONNINFO FILE\n");
        return 64;
    }
    char *sql = read_file(argv[2]);
    if (!sql) return 1;
    PGconn *conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "floor: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    int status = 0;
    if (!PQsendQuery(conn, sql)) {
        fprintf(stderr, "floor: %s", PQerrorMessage(conn));
        status = 1;
    }
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_TUPLES_OK) {
            int rows = PQntuples(res), cols = PQnfields(res);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (c > 0) putchar('|');
                    fputs(PQgetvalue(res, r, c), stdout);
                }
                putchar('\n');
            }
        } else if (s != PGRES_COMMAND_OK) {
            fprintf(stderr, "floor: %s", PQresultErrorMessage(res));
            status = 1;
        }
        PQclear(res);
    }
    PQfinish(conn);
    free(sql);
    return status;
}
