from wirekafka.cli import main

main()
