"""Scaling-law fits: power laws, Chinchilla and Kaplan L(N, D), bootstrap intervals, the
complexity map and effective data transferred."""
