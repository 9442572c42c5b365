"""Pure text features: normalisation, PII masking, jieba tokens, places, organisations, amounts, head counts."""
