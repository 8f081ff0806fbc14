/* The chi-square statistic of counts against a uniform expectation (tests). */
#ifndef TESTS_UNIT_CHI_SQUARE_H
#define TESTS_UNIT_CHI_SQUARE_H

static inline double chi_square(const unsigned *counts, int n, unsigned draws)
{
	double expected = draws / (double)n, chi2 = 0;

	for (int i = 0; i < n; i++) {
		double d = counts[i] - expected;

		chi2 += d * d / expected;
	}
	return chi2;
}

#endif
