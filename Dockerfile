# One image for every Meridian Node process; the compose file picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npx tsx prisma/cli.ts generate
COPY . .
ENV NODE_ENV=production HOST=0.0.0.0
USER node
CMD ["npx", "tsx", "router/src/main.ts"]
